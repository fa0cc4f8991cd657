// The request form lists the documents the chosen write-off condition needs (rule R4.103).
// Without JavaScript the 列出所需文件 button does it; with it, changing the condition does.
(function () {
  if (window.qqStartForm) return;
  window.qqStartForm = true;
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("[data-refresh-on-change]")) return;
    var button = field.form && field.form.querySelector("button[name=refresh]");
    if (button) button.click();
  });
})();
