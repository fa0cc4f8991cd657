/* Site-wide behaviour of the shell (issue 19 item 8), with no inline script (the production
 * content security policy allows none):
 * - a form that posts shows that it is busy and cannot be sent twice (PDF letters, signing,
 *   imports take seconds; a second click used to start the work again);
 * - a form shown again with errors scrolls to the first one;
 * - "back" buttons on the error pages.
 * Listeners sit on the document, so they survive Turbo's page swaps. */
(function () {
  "use strict";
  var script = document.currentScript;
  var busyLabel = (script && script.dataset.busyLabel) || "…";
  var SAFETY_MS = 60000; // a download answers without a new page: give the button back eventually

  function release(form) {
    if (!form || !form.__qqBusy) return;
    form.__qqBusy = false;
    form.removeAttribute("aria-busy");
    var buttons = form.__qqButtons || [];
    buttons.forEach(function (b) {
      b.disabled = b.__qqWasDisabled;
      b.classList.remove("qq-busy");
      if (b.__qqLabel !== undefined) { b.innerHTML = b.__qqLabel; delete b.__qqLabel; }
    });
    form.__qqButtons = [];
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (form.hasAttribute("data-qq-no-busy")) return;
    if (form.__qqBusy) {            // the second click: drop it (Turbo skips a prevented submit)
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    form.__qqBusy = true;
    form.setAttribute("aria-busy", "true");
    var submitter = event.submitter;
    var buttons = Array.prototype.slice.call(form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]"));
    form.__qqButtons = buttons;
    // Disable only after the browser (or Turbo) has read the form: a disabled submitter
    // would drop its name=value (approve / reject buttons carry one).
    setTimeout(function () {
      if (!form.__qqBusy) return;
      buttons.forEach(function (b) {
        b.__qqWasDisabled = b.disabled;
        b.disabled = true;
        if (b === submitter || (!submitter && b === buttons[0])) {
          b.classList.add("qq-busy");
          if (b.tagName === "BUTTON") { b.__qqLabel = b.innerHTML; b.textContent = busyLabel; }
        }
      });
    }, 0);
    setTimeout(function () { release(form); }, SAFETY_MS);
  }, true);

  // Turbo answered (an invalid form re-rendered, or an error): the form may be sent again.
  document.addEventListener("turbo:submit-end", function (event) { release(event.target); });
  // Back from the browser's cache: nothing is being sent any more.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[aria-busy=true]"), release);
  });

  // A form shown again with errors: bring the first one into view and put the cursor there
  // (the collection page is long; the refused form may be far below the top).
  function showFirstError() {
    var first = document.querySelector("[data-qq-invalid]");
    if (!first) return;
    first.scrollIntoView({block: "center"});
    var input = first.querySelector("input:not([type=hidden]), select, textarea");
    if (input) { try { input.focus({preventScroll: true}); } catch (e) { /* old browsers */ } }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showFirstError);
  } else {
    showFirstError();
  }
  document.addEventListener("turbo:load", showFirstError);
  document.addEventListener("turbo:render", showFirstError);

  document.addEventListener("click", function (event) {
    var back = event.target.closest && event.target.closest("[data-qq-back]");
    if (!back) return;
    event.preventDefault();
    if (window.history.length > 1) { window.history.back(); } else { window.location.href = "/"; }
  });
})();
