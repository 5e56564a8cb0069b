"""Cold start (issue 15): the customer index is saved and loaded instead of rebuilt from every customer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from referee_dedup.domain.index import CustomerIndex
from referee_dedup.domain.matching import Level, Thresholds, find_matches
from referee_dedup.domain.profile import CustomerRecord, profile
from referee_dedup.index_file import load_index, save_index
from referee_dedup.index_sync import IndexFollower, record_of
from referee_dedup.store import Base, Customer, CustomerRepository
from referee_shared.events.common import CustomerIdentity

THRESHOLDS = Thresholds(duplicate=0.92, possible=0.75)
RECORDS = [
    CustomerRecord("binjiang", "杭州滨江建设有限公司", phone="0571-88888888", province="浙江省", lat=30.2, lon=120.2),
    CustomerRecord("yongchen", "苏州永晨科技有限公司", uscc="91320500MA1MX1XB01", address="苏州市星湖街328号"),
    CustomerRecord("hospital", "南京市中医医院", phone="025-52276666", city="南京市"),
]


def test_a_loaded_index_finds_what_the_saved_one_found(tmp_path: Path) -> None:
    index = CustomerIndex()
    index.add_all(profile(r) for r in RECORDS)
    save_index(tmp_path / "index.bin", index, {"source": "test"})

    loaded = load_index(tmp_path / "index.bin", {"source": "test"})
    assert loaded is not None
    again, stamp = loaded
    assert stamp["source"] == "test"
    for written in ("杭州濱江建設股份有限公司", "Suzhou Yongchen Technology Co., Ltd.", "南京中医院"):
        query = profile(CustomerRecord("in", written, phone="0571-88888888", address="苏州市星湖街328号"))
        assert find_matches(again, query, THRESHOLDS) == find_matches(index, query, THRESHOLDS)
    assert again.get("binjiang") == profile(RECORDS[0])  # decoded from its stored form on first use


def test_an_index_saved_for_another_source_or_normalisation_is_not_loaded(tmp_path: Path) -> None:
    save_index(tmp_path / "index.bin", CustomerIndex(), {"source": "a.csv"})
    assert load_index(tmp_path / "index.bin", {"source": "b.csv"}) is None
    assert load_index(tmp_path / "missing.bin") is None
    (tmp_path / "broken.bin").write_bytes(b"not an index")
    assert load_index(tmp_path / "broken.bin") is None


async def write(session: AsyncSession, record: CustomerRecord) -> None:
    identity = {"name": record.name, "phone": record.phone, "province": record.province, "city": record.city}
    parsed = CustomerIdentity.model_validate({k: v for k, v in identity.items() if v})
    customer = Customer(
        customer_key=record.key,
        name=record.name,
        name_key=profile(record_of(record.key, parsed)).core,
        region="any",
        identity=parsed.model_dump(mode="json", exclude_none=True),
        created_at=datetime.now(UTC),
    )
    await CustomerRepository(session).add(customer, datetime.now(UTC))


async def test_a_restart_loads_the_saved_index_and_reads_only_the_customers_written_since(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'dedup.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        for record in RECORDS:
            await write(session, record)

    first = IndexFollower(tmp_path / "index.bin", database="db-1")
    async with sessions() as session:
        assert await first.catch_up(session, datetime.now(UTC)) == 3
    assert first.started_from == "database"
    assert (tmp_path / "index.bin").exists()

    async with sessions() as session, session.begin():
        await write(session, CustomerRecord("later", "宁波港城物流有限公司", phone="0574-87654321", province="浙江省"))

    restarted = IndexFollower(tmp_path / "index.bin", database="db-1")
    async with sessions() as session:
        assert await restarted.catch_up(session, datetime.now(UTC)) == 1  # only the customer written since
    assert restarted.started_from == "saved index"
    assert len(restarted.index) == 4
    query = profile(CustomerRecord("in", "宁波港城物流", phone="0574-87654321"))
    match = find_matches(restarted.index, query, THRESHOLDS)
    assert match.duplicate is not None
    assert match.duplicate.key == "later"
    assert match.duplicate.level is Level.DUPLICATE

    other_database = IndexFollower(tmp_path / "index.bin", database="db-2")
    async with sessions() as session:
        assert await other_database.catch_up(session, datetime.now(UTC)) == 4
    assert other_database.started_from == "database"
    await engine.dispose()
