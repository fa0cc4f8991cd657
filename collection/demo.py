"""Collection's part of the embedded demo: a letterhead for each company of the demo, so letters
can be sent there (rule R9.13). Connected to workflows.signals.demo_seeded in CollectionConfig.ready();
the demo, a lower layer, never imports this. Demo values only: not real bank accounts."""
from workflows.models import OrgUnit

from .models import Letterhead

# code → (发文代字, address, contact person, telephone, bank, account number)
DEMO_LETTERHEADS = {
    "HQ": ("集清", "广州市天河区天河路1号", "周清欠", "020-80000001", "中国工商银行广州天河支行",
           "3602000000000000001"),
    "S1": ("一工清", "广州市越秀区东风中路100号", "王清欠", "020-80000002", "中国建设银行广州越秀支行",
           "4400000000000000002"),
    "S2": ("二建清", "佛山市禅城区季华路2号", "李清欠", "0757-80000003", "中国银行佛山分行", "6800000000000000003"),
    "S3": ("三贸清", "东莞市南城区鸿福路3号", "陈清欠", "0769-80000004", "中国农业银行东莞分行", "4400000000000000004"),
}


def seed_letterheads(sender, units: dict[str, OrgUnit], **kwargs) -> None:
    for code, (doc_code, address, person, phone, bank, number) in DEMO_LETTERHEADS.items():
        unit = units.get(code)
        if unit is None:
            continue
        Letterhead.objects.get_or_create(unit=unit, defaults={
            "name": unit.name, "doc_code": doc_code, "address": address, "contact_person": person,
            "telephone": phone, "account_name": unit.name, "bank_name": bank, "account_number": number})
