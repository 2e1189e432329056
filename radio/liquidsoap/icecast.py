"""Icecast: the XML config of a local server, and its statistics (sources, listeners, bytes) read over HTTP."""

from __future__ import annotations

import base64
import os
import pwd
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class IcecastServer:
    port: int
    source_password: str
    admin_password: str
    log_dir: str
    hostname: str = "127.0.0.1"
    bind_address: str = "0.0.0.0"  # noqa: S104 - listeners connect from anywhere
    max_listeners: int = 500
    admin_user: str = "admin"
    location: str = "Earth"
    admin_email: str = "radio@localhost"


def _run_as() -> tuple[str, str] | None:
    """Icecast refuses to run as root; as root it must drop to an unprivileged user (Debian's `icecast2`)."""
    if os.geteuid() != 0:
        return None
    for user in ("icecast2", "nobody"):
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            continue
        import grp

        return user, grp.getgrgid(entry.pw_gid).gr_name
    return None


def icecast_config_xml(server: IcecastServer) -> str:
    """A complete icecast.xml for one local server; `log_dir` must exist (and be writable by the run-as user)."""
    web_root = "/usr/share/icecast2/web" if Path("/usr/share/icecast2/web").is_dir() else server.log_dir
    admin_root = "/usr/share/icecast2/admin" if Path("/usr/share/icecast2/admin").is_dir() else server.log_dir
    run_as = _run_as()
    security = ""
    if run_as:
        security = f"<changeowner><user>{escape(run_as[0])}</user><group>{escape(run_as[1])}</group></changeowner>"
    e = escape
    return f"""<icecast>
  <location>{e(server.location)}</location>
  <admin>{e(server.admin_email)}</admin>
  <hostname>{e(server.hostname)}</hostname>
  <limits>
    <clients>{server.max_listeners + 10}</clients>
    <sources>4</sources>
    <queue-size>524288</queue-size>
    <client-timeout>30</client-timeout>
    <header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout>
    <burst-on-connect>1</burst-on-connect>
    <burst-size>65535</burst-size>
  </limits>
  <authentication>
    <source-password>{e(server.source_password)}</source-password>
    <relay-password>{e(server.source_password)}</relay-password>
    <admin-user>{e(server.admin_user)}</admin-user>
    <admin-password>{e(server.admin_password)}</admin-password>
  </authentication>
  <listen-socket>
    <port>{int(server.port)}</port>
    <bind-address>{e(server.bind_address)}</bind-address>
  </listen-socket>
  <http-headers>
    <header name="Access-Control-Allow-Origin" value="*" />
  </http-headers>
  <fileserve>1</fileserve>
  <paths>
    <basedir>/usr/share/icecast2</basedir>
    <logdir>{e(server.log_dir)}</logdir>
    <webroot>{e(web_root)}</webroot>
    <adminroot>{e(admin_root)}</adminroot>
    <alias source="/" destination="/status.xsl"/>
  </paths>
  <logging>
    <accesslog>-</accesslog>
    <errorlog>-</errorlog>
    <loglevel>2</loglevel>
  </logging>
  <security>
    <chroot>0</chroot>
    {security}
  </security>
</icecast>
"""


@dataclass(frozen=True)
class MountStats:
    mount: str
    listeners: int
    total_bytes_read: int  # what the source sent so far: grows while audio flows
    connected_s: int


class IcecastUnreachable(RuntimeError):
    """The Icecast server did not answer its admin statistics."""


def parse_admin_stats(xml_text: str) -> dict[str, MountStats]:
    """Icecast's /admin/stats XML -> {mount: MountStats} for every mount that has a source."""
    root = ElementTree.fromstring(xml_text)  # noqa: S314 - our own Icecast's stats, behind its admin password
    mounts = {}
    for source in root.findall("source"):
        mount = source.get("mount", "")

        def number(tag: str, element=source) -> int:
            text = element.findtext(tag)
            try:
                return int(text) if text is not None else 0
            except ValueError:
                return 0

        mounts[mount] = MountStats(
            mount=mount,
            listeners=number("listeners"),
            total_bytes_read=number("total_bytes_read"),
            connected_s=number("connected"),
        )
    return mounts


def fetch_admin_stats(base_url: str, *, user: str, password: str, timeout_s: float = 3.0) -> dict[str, MountStats]:
    """Read /admin/stats of the server at `base_url` (http://host:port). Raises IcecastUnreachable."""
    if not base_url.startswith(("http://", "https://")):
        raise IcecastUnreachable(f"Icecast URL must be http(s): {base_url!r}")
    request = urllib.request.Request(base_url.rstrip("/") + "/admin/stats")  # noqa: S310 - scheme checked above
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 - scheme checked above
            return parse_admin_stats(response.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError, ElementTree.ParseError) as error:
        raise IcecastUnreachable(f"Icecast at {base_url} did not answer its statistics: {error}") from error
