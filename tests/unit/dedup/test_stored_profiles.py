"""Cold start: a customer's normalised profile is stored with the row and loaded instead of normalised again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from referee_dedup.domain import profile_codec
from referee_dedup.domain.profile import CustomerRecord, profile
from referee_dedup.domain.profile_codec import decode, encode
from referee_dedup.index_sync import profile_of
from referee_dedup.store import Base, Customer

RECORDS = [
    CustomerRecord(
        "a",
        "杭州濱江建設有限公司萧山分公司",
        uscc="91330100MA27Y5AB3X",  # mistyped: kept as ignored
        phone="0571-88888888转8/13912345678",
        address="浙江省杭州市滨江区江南大道一百号3号楼12F",
        province="浙江省",
        lat=30.2,
        lon=120.2,
    ),
    CustomerRecord("b", "Suzhou Yongchen Technology Co., Ltd.", phone="66881234"),
    CustomerRecord("c", "北京市第一人民医院"),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.key)
def test_a_decoded_profile_is_the_profile(record: CustomerRecord) -> None:
    normalised = profile(record)
    assert decode(encode(normalised), record.key, record.name, record.lat, record.lon) == normalised


def test_a_profile_of_another_normalisation_version_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = encode(profile(RECORDS[0]))
    monkeypatch.setattr(profile_codec, "VERSION", profile_codec.VERSION + 1)
    assert decode(stored, "a", RECORDS[0].name, None, None) is None


def test_writing_a_customer_stores_its_profile_and_loading_uses_it() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    identity = {"name": "杭州滨江建设有限公司", "phone": "0571-88888888", "province": "浙江省"}
    with Session(engine) as session:
        session.add(
            Customer(
                customer_key="k1",
                name=identity["name"],
                name_key="滨江建设",
                region="330000",
                identity=identity,
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
        customer = session.execute(select(Customer)).scalar_one()
        assert customer.profile is not None
        assert customer.profile[0] == profile_codec.VERSION
        customer.profile[2] = "stored core"  # proves the load decodes rather than normalises
        assert profile_of(customer).core == "stored core"
        customer.profile = None  # a row written before profiles were stored
        assert profile_of(customer).core == "滨江建设"
