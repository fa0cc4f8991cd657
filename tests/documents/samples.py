"""Small but real files of every allowed format (and some that must be refused)."""
import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64


def _zip(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


OFD = _zip({"OFD.xml": '<?xml version="1.0"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>',
            "Doc_0/Document.xml": "<ofd:Document/>"})
DOCX = _zip({"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>",
             "word/document.xml": "<w:document/>"})
XLSX = _zip({"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>",
             "xl/workbook.xml": "<workbook/>", "xl/worksheets/sheet1.xml": "<worksheet/>"})
PLAIN_ZIP = _zip({"readme.txt": "hello"})


def _ole(stream_name):
    """A minimal OLE2 compound file (as old Word/Excel files are) holding one empty stream."""
    end, free, fatsect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    assert len(header) == 512
    fat = struct.pack("<II", fatsect, end) + struct.pack("<I", free) * 126

    def entry(name, kind, child=nostream):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", nostream, nostream, child) + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
                + struct.pack("<IQ", end, 0))

    directory = entry("Root Entry", 5, child=1) + entry(stream_name, 2) + b"\x00" * 256
    return header + fat + directory


DOC = _ole("WordDocument")
XLS = _ole("Workbook")

GOOD = {
    "pdf": ("合同.pdf", PDF, "application/pdf"),
    "jpeg": ("现场照片.jpg", JPEG, "image/jpeg"),
    "png": ("扫描件.png", PNG, "image/png"),
    "tiff": ("传真.tiff", TIFF, "image/tiff"),
    "ofd": ("电子发票.ofd", OFD, "application/ofd"),
    "doc": ("报告.doc", DOC, "application/msword"),
    "docx": ("报告.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xls": ("盘点表.xls", XLS, "application/vnd.ms-excel"),
    "xlsx": ("盘点表.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def upload(name="合同.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(name="合同.pdf", extra=b""):
    return upload(name, PDF + extra)
