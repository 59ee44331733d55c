"""Scripted phones (sipp scenarios): the citizen calling, agents answering and dialling — for the
demo (`dasan voice call`), the tests and the benchmark."""

from __future__ import annotations

import subprocess
from pathlib import Path

PCAPS = Path("/usr/share/sip-tester")
AUDIO = PCAPS / "g711a.pcap"  # about 8 s of speech as PCMA

_INVITE = """<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=citizen 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
]]></send>
<recv response="100" optional="true"/>
<recv response="180" optional="true"/>
<recv response="200" rtd="true" rrs="true"/>
<send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
"""

_BYE = """<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 100 BYE
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200" crlf="true"/>
"""

_WAIT_BYE = """<recv request="BYE" timeout="{timeout_ms}"/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
"""


def _dtmf(key: str) -> str:
    name = {"*": "star", "#": "pound"}.get(key, key)
    return (f'<nop><action><exec play_pcap_audio="{PCAPS}/dtmf_2833_{name}.pcap"/></action></nop>\n'
            '<pause milliseconds="700"/>\n')


def _info_key(caller: str, key: str, cseq: int) -> str:
    """A key sent as SIP INFO (application/dtmf-relay), as some carriers send them."""
    return f"""<send retrans="500"><![CDATA[
INFO [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: {cseq} INFO
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal={key}
Duration=250
]]></send>
<recv response="200"/>
<pause milliseconds="700"/>
"""


def caller_scenario(steps: list[tuple[str, object]], *, caller: str = "01012345678", hang_up: bool = True,
                    wait_bye_ms: int = 60000) -> str:
    """A calling citizen: INVITE, then `steps` — ("keys", "91"), ("pause", ms), ("talk", None:
    start the speech recording, ~8 s), ("info", "91": keys as SIP INFO) — then BYE (or,
    `hang_up=False`, wait for the center's BYE)."""
    body = [_INVITE.format(caller=caller)]
    cseq = 2
    for kind, value in steps:
        if kind == "keys":
            body.extend(_dtmf(k) for k in str(value))
        elif kind == "info":
            for k in str(value):
                body.append(_info_key(caller, k, cseq))
                cseq += 1
        elif kind == "pause":
            body.append(f'<pause milliseconds="{int(value)}"/>\n')  # type: ignore[call-overload]
        elif kind == "talk":
            body.append(f'<nop><action><exec play_pcap_audio="{AUDIO}"/></action></nop>\n')
        elif kind == "stream":  # an A-law WAV looped for the rest of the call, as a phone always sends
            body.append(f'<nop><action><exec rtp_stream="{value},-1,8"/></action></nop>\n')
        else:
            raise ValueError(kind)
    body.append(_BYE.format(caller=caller) if hang_up else _WAIT_BYE.format(timeout_ms=wait_bye_ms))
    return '<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="citizen">\n' + "".join(body) + "</scenario>\n"


def register_scenario(*, user: str, password: str, contact_port: int, expires: int = 600) -> str:
    """Register an agent's phone (digest credentials) with its contact on `contact_port`, where a
    second sipp (`agent_scenario`) answers: sipp cannot take a new call in a registering scenario."""
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@dasan>;tag=[pid]reg[call_number]
To: <sip:{user}@dasan>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:{user}@[local_ip]:{contact_port}>
Expires: {expires}
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="401" auth="true"/>
<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@dasan>;tag=[pid]reg[call_number]
To: <sip:{user}@dasan>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:{user}@[local_ip]:{contact_port}>
[authentication username={user} password={password}]
Expires: {expires}
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>
</scenario>
"""


def agent_scenario(*, answer_after_ms: int = 0, hang_up_after_ms: int | None = None, talk: bool = True,
                   user: str = "agent", stream: Path | None = None, reinvites: bool = False) -> str:
    """A scripted agent's phone (sipp in server mode): ring `answer_after_ms`, answer, talk; with
    `hang_up_after_ms` the agent hangs up, else it waits for the caller's BYE. With `reinvites`
    the phone also takes the re-INVITEs that point its media elsewhere (consultations and
    three-party calls), and `hang_up_after_ms` counts from the last of them."""
    one = f"""<recv request="INVITE" rrs="true"/>
<send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]agent[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:{user}@[local_ip]:[local_port]>
Content-Length: 0

]]></send>
<pause milliseconds="{max(answer_after_ms, 1)}"/>
<send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]agent[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:{user}@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=agent 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 8
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
]]></send>
<recv request="ACK"/>
"""
    if stream is not None:  # talks all along (an A-law WAV looped)
        one += f'<nop><action><exec rtp_stream="{stream},-1,8"/></action></nop>\n'
    elif talk:
        one += f'<nop><action><exec play_pcap_audio="{AUDIO}"/></action></nop>\n'
    if reinvites:
        return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="agent">\n' + one
                + _reinvite_loop(user, hang_up_after_ms) + "</scenario>\n")
    if hang_up_after_ms is not None:
        one += f'<pause milliseconds="{hang_up_after_ms}"/>\n' + _agent_bye(user)
    else:
        one += _WAIT_BYE.format(timeout_ms=120000)
    return '<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="agent">\n' + one + "</scenario>\n"


def _agent_bye(user: str) -> str:
    """The answering phone hangs up."""
    return f"""<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:{user}@[local_ip]:[local_port]>;tag=[pid]agent[call_number]
To: [last_From:]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>
"""


def _reinvite_loop(user: str, hang_up_after_ms: int | None) -> str:
    """After the answer: take any number of re-INVITEs (answering with the phone's own SDP), until
    the other side's BYE — or, with `hang_up_after_ms`, that long without one: then hang up.
    (sipp times a group of receives by the first one's timeout: both carry it.)"""
    timeout = f' timeout="{hang_up_after_ms}" ontimeout="30"' if hang_up_after_ms is not None else ' timeout="120000"'
    loop = f"""<label id="10"/>
<recv request="INVITE" optional="true" next="20"{timeout}/>
<recv request="BYE"{timeout}/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
<nop next="90"/>
<label id="20"/>
<send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:{user}@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=agent 1 2 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000
]]></send>
<recv request="ACK" next="10"/>
"""
    if hang_up_after_ms is not None:
        loop += '<label id="30"/>\n' + _agent_bye(user)
    return loop + '<label id="90"/>\n'


def agent_dial_scenario(*, user: str, password: str, talk_ms: int = 3000, stream: Path | None = None) -> str:
    """An agent's phone dialling a citizen ([service] is the number): INVITE, digest challenge
    (407), INVITE with credentials, answer, talk, hang up."""
    invite = """<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@dasan>;tag=[pid]dial[call_number]
To: <sip:[service]@dasan>
Call-ID: [call_id]
CSeq: {cseq} INVITE
Contact: <sip:{user}@[local_ip]:[local_port]>
{auth}Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=agent 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000
]]></send>
"""
    ack = """<send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@dasan>;tag=[pid]dial[call_number]
To: <sip:[service]@dasan>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
"""
    return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="agent-dial">\n'
            + invite.format(user=user, cseq=1, auth="")
            + '<recv response="100" optional="true"/>\n<recv response="407" auth="true"/>\n'
            + ack.format(user=user)
            + invite.format(user=user, cseq=2, auth=f"[authentication username={user} password={password}]\n")
            + '<recv response="100" optional="true"/>\n<recv response="180" optional="true"/>\n'
            + '<recv response="200" rrs="true"/>\n'
            + ack.replace("ACK sip:[service]@[remote_ip]:[remote_port]", "ACK [next_url]")
                 .replace("Call-ID: [call_id]", "[routes]\nCall-ID: [call_id]").replace("CSeq: 1 ACK", "CSeq: 2 ACK")
                 .format(user=user)
            + (f'<nop><action><exec rtp_stream="{stream},-1,8"/></action></nop>\n' if stream else
               f'<nop><action><exec play_pcap_audio="{AUDIO}"/></action></nop>\n')
            + f'<pause milliseconds="{talk_ms}"/>\n'
            + """<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:{user}@dasan>;tag=[pid]dial[call_number]
To: <sip:[service]@dasan>[peer_tag_param]
Call-ID: [call_id]
CSeq: 3 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>
</scenario>
""".replace("{user}", user))


def run(scenario: str, workdir: Path, name: str, *, target: str, service: str = "120", local_port: int,
        media_port: int, calls: int = 1, rate: float | None = None, timeout_s: int = 90,
        background: bool = False, extra: list[str] | None = None) -> subprocess.Popen | subprocess.CompletedProcess:
    """Run a sipp scenario from 127.0.0.1:`local_port` against `target` (Kamailio)."""
    path = workdir / f"{name}.xml"
    path.write_text(scenario)
    cmd = ["sipp", "-sf", str(path), "-s", service, target, "-i", "127.0.0.1", "-p", str(local_port),
           "-mi", "127.0.0.1", "-mp", str(media_port), "-m", str(calls), "-nostdin", "-timeout", f"{timeout_s}s",
           "-trace_err", "-error_file", str(workdir / f"{name}.errors.log"), "-trace_stat",
           "-stf", str(workdir / f"{name}.stat.csv")]
    if rate is not None:
        cmd += ["-r", str(rate)]
    cmd += extra or []
    if background:
        return subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout_s + 30)
