"""The chaos suite's own system: Kafka, Temporal, PostgreSQL and the five services on ports of its own,
started and stopped with the project's deploy scripts. Only processes this stack started are ever signalled:
each is found through the pid files of the stack's own data folder."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from referee_shared.services import SERVICE_NAMES, service
from referee_shared.settings import REPO_ROOT, ServiceSettings

DEPLOY = REPO_ROOT / "deploy"
PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
REFEREE = REPO_ROOT / ".venv" / "bin" / "referee"


@dataclass(frozen=True)
class Ports:
    """Every port of one stack (the chaos suite never touches the shared 9092/7233/55432)."""

    kafka: int = 19092
    kafka_controller: int = 19093
    temporal: int = 17233
    temporal_ui: int = 18233
    postgres: int = 56432
    first_service: int = 18001  # registration 18001 ... settlement 18005; a second instance on 18006

    def service(self, name: str) -> int:
        return self.first_service + SERVICE_NAMES.index(name)

    @property
    def second_instance(self) -> int:
        return self.first_service + len(SERVICE_NAMES)


@dataclass
class Stack:
    data_dir: Path
    ports: Ports = field(default_factory=Ports)
    kafka_bootstrap: str = ""
    replication_factor: int = 1
    topic_prefix: str = ""
    database_prefix: str = "referee_"
    second: subprocess.Popen[bytes] | None = None
    migrated: bool = False  # once the first start applied the migrations, restarts skip them

    def __post_init__(self) -> None:
        self.kafka_bootstrap = self.kafka_bootstrap or f"127.0.0.1:{self.ports.kafka}"

    # -- environment --------------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """What the deploy scripts and the services read: this stack's folder, ports and settings."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("REFEREE_") and not k.endswith("_PORT")}
        env.update(
            REFEREE_DATA_DIR=str(self.data_dir),
            KAFKA_PORT=str(self.ports.kafka),
            KAFKA_CONTROLLER_PORT=str(self.ports.kafka_controller),
            TEMPORAL_PORT=str(self.ports.temporal),
            TEMPORAL_UI_PORT=str(self.ports.temporal_ui),
            TEMPORAL_HEADLESS="1",
            # A loaded machine takes minutes to start a service or a broker; a dead one fails at once.
            SERVICE_WAIT_TIMEOUT="600",
            KAFKA_WAIT_TIMEOUT="600",
            TEMPORAL_WAIT_TIMEOUT="600",
            PG_WAIT_TIMEOUT="600",
            PG_PORT=str(self.ports.postgres),
            REFEREE_KAFKA_BOOTSTRAP=self.kafka_bootstrap,
            REFEREE_KAFKA_AUTH="none",  # its own brokers, killed and restarted: PLAINTEXT (the deploy scripts' opt-out)
            REFEREE_KAFKA_REPLICATION_FACTOR=str(self.replication_factor),
            REFEREE_TEMPORAL_ADDRESS=f"127.0.0.1:{self.ports.temporal}",
            REFEREE_TOPIC_PREFIX=self.topic_prefix,
            REFEREE_LOCAL_MODE="true",
            REFEREE_MESSAGE_TRUST="true",
            REFEREE_PARTNER_REGISTRY_REQUIRED="true",
            REFEREE_LOG_JSON="true",
            # A killed instance is noticed in 6 s (the broker's floor), and, a static member of its groups,
            # takes its partitions back on restart without waiting for a rebalance.
            REFEREE_KAFKA_SESSION_TIMEOUT_MS="6000",
            REFEREE_KAFKA_HEARTBEAT_INTERVAL_MS="1000",
            REFEREE_KAFKA_STATIC_MEMBERSHIP="true",
            CONSOLE_PORT=str(self.ports.second_instance),  # the console is not started; keep its port ours
        )
        for name in SERVICE_NAMES:
            env[service(name).port_variable] = str(self.ports.service(name))
        return env

    def postgres_dsn(self, database: str = "postgres") -> str:
        return f"postgresql://referee:referee@127.0.0.1:{self.ports.postgres}/{database}"

    def database(self, name: str) -> str:
        return f"{self.database_prefix}{name}"

    def database_url(self, name: str) -> str:
        return f"postgresql+asyncpg://referee:referee@127.0.0.1:{self.ports.postgres}/{self.database(name)}"

    def run(self, *command: str | Path, env: dict[str, str] | None = None, check: bool = True) -> str:
        done = subprocess.run(
            [str(c) for c in command], env=env or self.env(), cwd=REPO_ROOT, capture_output=True, text=True
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, command))} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return done.stdout

    async def arun(self, *command: str | Path, env: dict[str, str] | None = None) -> str:
        return await asyncio.to_thread(self.run, *command, env=env)

    # -- infrastructure -----------------------------------------------------------------------------------

    async def infra_up(self, *components: str) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        shared_cache = REPO_ROOT / ".referee" / "cache"  # the Kafka jars `make setup` fetched, not fetched again
        if not (self.data_dir / "cache").exists() and shared_cache.is_dir():
            (self.data_dir / "cache").symlink_to(shared_cache)
        await self.arun(DEPLOY / "infra.sh", "up", *components)

    async def infra_down(self) -> None:
        await self.arun(DEPLOY / "infra.sh", "down")

    async def restart(self, component: str) -> None:
        """Stop one of the stack's own Kafka, Temporal or PostgreSQL and start it again on the same data."""
        script = DEPLOY / f"{component}.sh"
        await self.arun(script, "stop")
        await self.arun(script, "start")
        await self.arun(script, "wait")

    async def create_databases(self) -> None:
        connection = await asyncpg.connect(self.postgres_dsn())
        try:
            for name in SERVICE_NAMES:
                database = self.database(name)
                if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
                    await connection.execute(f'CREATE DATABASE "{database}" OWNER referee')
        finally:
            await connection.close()

    async def prepare(self) -> None:
        """Topics (with this stack's replication factor) and the producer keys the demo uses too."""
        await self.arun(REFEREE, "infra", "topics", "create")
        await self.arun(REFEREE, "trust", "init")
        # The install's token secret, made once before the services start (each would otherwise race to make it).
        await asyncio.to_thread(ServiceSettings, data_dir=self.data_dir, local_mode=True)

    # -- services -----------------------------------------------------------------------------------------

    def service_env(self, name: str) -> dict[str, str]:
        env = self.env()
        env["REFEREE_DATABASE_URL"] = self.database_url(name)
        if self.migrated:
            env["REFEREE_MIGRATE_ON_START"] = "false"
        return env

    async def start_service(self, name: str) -> None:
        await self.arun(DEPLOY / "services.sh", "start", name, env=self.service_env(name))

    async def start_services(self) -> None:
        await asyncio.gather(*(self.start_service(name) for name in SERVICE_NAMES))  # a database each
        self.migrated = True

    async def stop_services(self) -> None:
        await self.stop_second_instance()
        await self.arun(DEPLOY / "services.sh", "stop", *SERVICE_NAMES)

    def service_pid(self, name: str) -> int:
        return int((self.data_dir / "run" / f"{name}.pid").read_text().strip())

    async def kill_service(self, name: str) -> None:
        """kill -9 the service (its pid from this stack's pid file), then start it again."""
        await asyncio.to_thread(_kill_and_reap, self.service_pid(name))
        await self.start_service(name)

    async def start_second_instance(self, name: str) -> None:
        """A second instance of a service in the same consumer group (and database), on its own port."""
        env = self.service_env(name)
        env.update(
            REFEREE_SERVICE_NAME=name,
            REFEREE_INSTANCE_ID="2",
            REFEREE_HTTP_PORT=str(self.ports.second_instance),
            REFEREE_MIGRATE_ON_START="false",
        )
        self.second = await asyncio.to_thread(_spawn, name, env, self.data_dir / "logs" / f"{name}-2.log")
        await wait_healthy(self.ports.second_instance, self.second)

    async def stop_second_instance(self) -> None:
        if self.second is not None and self.second.poll() is None:
            self.second.terminate()
            await asyncio.to_thread(self.second.wait, 30)
        self.second = None

    async def stop_service(self, name: str) -> None:
        await self.arun(DEPLOY / "services.sh", "stop", name, env=self.service_env(name))


async def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the process on port {port} exited during start-up ({process.returncode})")
            try:
                if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError(f"nothing healthy on port {port} within {timeout:.0f} s")


def _spawn(name: str, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([str(PYTHON), "-m", f"referee_{name}"], env=env, stdout=log, stderr=log)


def _kill_and_reap(pid: int) -> None:
    """SIGKILL, then wait until the process is gone (or a zombie of a parent that does not reap)."""
    os.kill(pid, signal.SIGKILL)
    while alive(pid):
        time.sleep(0.05)


def alive(pid: int) -> bool:
    return _state(pid) not in ("Z", "X", "")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][:1]
    except (OSError, IndexError):
        return ""


if __name__ == "__main__":  # pragma: no cover - a manual helper: print the environment of a stack
    print(Stack(Path(sys.argv[1])).env())
