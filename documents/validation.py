"""What may enter the archive: the file's name, size and — sniffed from its bytes, never from
what the browser claims — its format, which must match the name's extension.

Allowed: PDF, JPEG, PNG, TIFF, OFD, DOC/DOCX, XLS/XLSX. Executables and scripts are refused
with their own message so the uploader knows why.
"""
import os
import unicodedata
import zipfile
from typing import BinaryIO

import filetype
import olefile
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .exceptions import UploadRefused

PDF, JPEG, PNG, TIFF = "application/pdf", "image/jpeg", "image/png", "image/tiff"
OFD = "application/ofd"
DOC, XLS = "application/msword", "application/vnd.ms-excel"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# extension -> the one format its content must have
ALLOWED_EXTENSIONS = {
    ".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".tif": TIFF, ".tiff": TIFF,
    ".ofd": OFD, ".doc": DOC, ".docx": DOCX, ".xls": XLS, ".xlsx": XLSX,
}
EXTENSION_FOR_MIME = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", TIFF: ".tif", OFD: ".ofd", DOC: ".doc",
                      DOCX: ".docx", XLS: ".xls", XLSX: ".xlsx"}
LABEL = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", TIFF: "TIFF", OFD: "OFD", DOC: "Word(DOC)",
         DOCX: "Word(DOCX)", XLS: "Excel(XLS)", XLSX: "Excel(XLSX)"}
PREVIEWABLE = {PDF, JPEG, PNG}

HEAD_BYTES = 8192
# Leading bytes of programs and scripts (checked before anything else).
EXECUTABLE_MAGIC = [
    (b"MZ", gettext_lazy("Windows 可执行程序")),
    (b"\x7fELF", gettext_lazy("ELF 可执行程序")),
    (b"\xfe\xed\xfa\xce", gettext_lazy("Mach-O 程序")), (b"\xfe\xed\xfa\xcf", gettext_lazy("Mach-O 程序")),
    (b"\xce\xfa\xed\xfe", gettext_lazy("Mach-O 程序")), (b"\xcf\xfa\xed\xfe", gettext_lazy("Mach-O 程序")),
    (b"\xca\xfe\xba\xbe", gettext_lazy("Java/Mach-O 程序")),
    (b"#!", gettext_lazy("脚本")),
    (b"\x00asm", gettext_lazy("WebAssembly 程序")),
]
SCRIPT_MARKERS = [b"<?php", b"<script", b"<html", b"<!doctype html", b"<svg", b"<?xml", b"<%",
                  b"@echo off", b"function ", b"import ", b"var ", b"powershell"]


def max_bytes() -> int:
    return int(getattr(settings, "QQ_DOCUMENT_MAX_BYTES", 50 * 1024 * 1024))


def check_name(name: str) -> str:
    """The browser-supplied name: a plain file name with an allowed extension."""
    if not name or not name.strip():
        raise UploadRefused(_("文件名为空"))
    if "/" in name or "\\" in name or name in {".", ".."} or os.path.basename(name) != name:
        raise UploadRefused(_("文件名“%(name)s”含有路径，只能是文件名本身") % {"name": name})
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in name):
        raise UploadRefused(_("文件名含有控制字符"))
    if len(name) > 200:
        raise UploadRefused(_("文件名过长（最多 200 个字符）"))
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise UploadRefused(
            _("文件类型“%(ext)s”不允许上传；允许：PDF、JPEG、PNG、TIFF、OFD、DOC/DOCX、XLS/XLSX")
            % {"ext": ext or _("无扩展名")})
    return ext


def check_size(size: int | None) -> None:
    if size is None:
        return
    if size == 0:
        raise UploadRefused(_("文件是空的（0 字节）"))
    if size > max_bytes():
        raise UploadRefused(_("文件大小 %(size)s 超过上限 %(limit)s")
                            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes())})


def _looks_like_script(head):
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return any(text.startswith(marker) for marker in SCRIPT_MARKERS)


def _zip_format(fileobj):
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "OFD.xml" in names:
        return OFD
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return XLSX
    return "application/zip"


def _ole_format(fileobj):
    try:
        ole = olefile.OleFileIO(fileobj)
    except (OSError, ValueError, IndexError):
        return None
    try:
        if ole.exists("WordDocument"):
            return DOC
        if ole.exists("Workbook") or ole.exists("Book"):
            return XLS
        return "application/x-ole-storage"
    finally:
        # OleFileIO.close() would close our upload too; only drop its references.
        ole.fp = None


def sniff(fileobj: BinaryIO) -> str | None:
    """The MIME type read from the content (fileobj must be seekable; left at 0)."""
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    for magic, label in EXECUTABLE_MAGIC:
        if head.startswith(magic):
            raise UploadRefused(_("文件内容是%(kind)s，不允许上传可执行程序或脚本") % {"kind": label})
    if _looks_like_script(head):
        raise UploadRefused(_("文件内容是网页或脚本，不允许上传可执行程序或脚本"))
    try:
        if head.startswith(b"PK\x03\x04"):
            return _zip_format(fileobj)
        if head.startswith(olefile.MAGIC):
            return _ole_format(fileobj)
    finally:
        fileobj.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in {"application/x-executable", "application/x-msdownload", "application/wasm"}:
            raise UploadRefused(_("文件内容是可执行程序，不允许上传可执行程序或脚本"))
        return kind.mime
    return None


def check_content(fileobj: BinaryIO, ext: str) -> str:
    mime = sniff(fileobj)
    expected = ALLOWED_EXTENSIONS[ext]
    if mime != expected:
        found = LABEL.get(mime) or (mime or _("无法识别的格式"))
        raise UploadRefused(_("文件内容（%(found)s）与扩展名“%(ext)s”不符，应为 %(expected)s 文件")
                            % {"found": found, "ext": ext, "expected": LABEL[expected]})
    return mime


def validate_upload(uploaded_file: UploadedFile) -> str:
    """Name, size and content of an upload; returns the sniffed MIME type."""
    name = getattr(uploaded_file, "name", None) or ""
    ext = check_name(name)
    check_size(getattr(uploaded_file, "size", None))
    return check_content(uploaded_file, ext)
