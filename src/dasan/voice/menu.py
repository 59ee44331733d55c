"""Voice menus: the tree a dialled number leads to, validated, and the pure state machine that
walks it one key press (or silence) at a time.

A menu is data (kept in the database, edited by admins):

    {"start": "main",
     "nodes": {
        "main": {"prompt": "voice.menu.main", "timeout_s": 6, "retries": 2,
                 "options": {"1": {"queue": "welfare"}, "8": {"info": "voice.info.hours", "then": "main"},
                             "9": {"go": "languages"}},
                 "no_input": {"queue": "general"}},
        "languages": {"prompt": "voice.menu.languages",
                      "options": {"1": {"lang": "en", "queue": "lang-en"}, ...}}}}

An option does one of: `go` to another node, join a `queue`, play an `info` prompt and `then`
go to a node or hang up, or `hangup`; `lang` switches the caller's language on the way.
Whatever a menu says, 0 reaches an agent (the menu's operator queue). Invalid keys and silence
replay the node up to `retries` times; then the node's `no_input` option applies (the operator
by default: a citizen who cannot use the keypad still reaches a person).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from dasan.core.errors import Invalid

DIGITS = "0123456789*#"
OPERATOR_KEY = "0"
MAX_NODES = 200
# RFC 4733 event codes → keys; 12–16 (A–D, flash) are not keys a citizen's phone sends: invalid.
EVENT_KEYS = {i: str(i) for i in range(10)} | {10: "*", 11: "#"}


@dataclass(frozen=True)
class Option:
    go: str | None = None
    queue: str | None = None
    info: str | None = None
    then: str | None = None  # a node id, or "hangup"
    hangup: bool = False
    lang: str | None = None


@dataclass(frozen=True)
class Node:
    id: str
    prompt: str
    options: dict[str, Option]
    timeout_s: float = 6.0
    retries: int = 2
    no_input: Option | None = None


@dataclass(frozen=True)
class Menu:
    start: str
    nodes: dict[str, Node]
    operator_queue: str = "general"


# --- effects the machine asks the call to carry out, in order ---------------------------------
@dataclass(frozen=True)
class Play:
    prompt: str  # a prompt key (voice.*), played in the caller's language


@dataclass(frozen=True)
class SetLang:
    lang: str


@dataclass(frozen=True)
class Enqueue:
    queue: str


@dataclass(frozen=True)
class Hangup:
    reason: str


@dataclass(frozen=True)
class Listen:
    timeout_s: float  # wait this long for a key after the prompts


Effect = Play | SetLang | Enqueue | Hangup | Listen


@dataclass(frozen=True)
class State:
    node: str
    tries: int = 0  # invalid keys or silences on this node so far
    path: tuple[str, ...] = field(default_factory=tuple)  # keys pressed, in order
    done: bool = False


def parse(data: Any, *, queues: set[str] | None = None, langs: set[str] | None = None,
          prompts: set[str] | None = None) -> Menu:
    """Check a menu as stored or sent by an admin; raises `Invalid` naming the first problem.
    With `queues`/`langs`/`prompts` given, targets must exist."""
    if not isinstance(data, dict):
        raise Invalid("a menu must be an object with 'start' and 'nodes'", code="bad_menu")
    nodes_raw = data.get("nodes")
    if not isinstance(nodes_raw, dict) or not nodes_raw:
        raise Invalid("a menu needs at least one node in 'nodes'", code="bad_menu")
    if len(nodes_raw) > MAX_NODES:
        raise Invalid(f"a menu has at most {MAX_NODES} nodes", code="bad_menu")
    start = data.get("start")
    if not isinstance(start, str) or start not in nodes_raw:
        raise Invalid(f"the start node '{start}' is not one of the nodes", code="bad_menu")
    operator = data.get("operator_queue", "general")
    if not isinstance(operator, str) or not operator:
        raise Invalid("operator_queue must be a queue code", code="bad_menu")
    if queues is not None and operator not in queues:
        raise Invalid(f"unknown queue '{operator}'", code="bad_menu")
    nodes: dict[str, Node] = {}
    for nid, raw in nodes_raw.items():
        where = f"node '{nid}'"
        if not isinstance(raw, dict):
            raise Invalid(f"{where} must be an object", code="bad_menu")
        prompt = raw.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            raise Invalid(f"{where} needs a prompt", code="bad_menu")
        if prompts is not None and prompt not in prompts:
            raise Invalid(f"{where}: unknown prompt '{prompt}'", code="bad_menu")
        timeout = raw.get("timeout_s", 6.0)
        retries = raw.get("retries", 2)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not 1 <= timeout <= 60:
            raise Invalid(f"{where}: timeout_s must be between 1 and 60 seconds", code="bad_menu")
        if not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= 5:
            raise Invalid(f"{where}: retries must be between 0 and 5", code="bad_menu")
        opts_raw = raw.get("options", {})
        if not isinstance(opts_raw, dict):
            raise Invalid(f"{where}: options must map keys to actions", code="bad_menu")
        options = {}
        for key, o in opts_raw.items():
            if not isinstance(key, str) or len(key) != 1 or key not in DIGITS:
                raise Invalid(f"{where}: '{key}' is not a telephone key (0-9, *, #)", code="bad_menu")
            options[key] = _option(o, f"{where}, key {key}", nodes_raw, queues, langs, prompts)
        no_input = raw.get("no_input")
        nodes[nid] = Node(
            id=nid, prompt=prompt, options=options, timeout_s=float(timeout), retries=retries,
            no_input=_option(no_input, f"{where}, no_input", nodes_raw, queues, langs, prompts)
            if no_input is not None else None,
        )
    return Menu(start=start, nodes=nodes, operator_queue=operator)


def _option(o: Any, where: str, nodes: dict, queues: set[str] | None, langs: set[str] | None,
            prompts: set[str] | None) -> Option:
    if not isinstance(o, dict):
        raise Invalid(f"{where}: an option must be an object", code="bad_menu")
    unknown = set(o) - {"go", "queue", "info", "then", "hangup", "lang"}
    if unknown:
        raise Invalid(f"{where}: unknown field '{sorted(unknown)[0]}'", code="bad_menu")
    kinds = [k for k in ("go", "queue", "info", "hangup") if o.get(k)]
    if len(kinds) != 1:
        raise Invalid(f"{where}: give exactly one of go, queue, info, hangup", code="bad_menu")
    if o.get("go") is not None and o["go"] not in nodes:
        raise Invalid(f"{where}: no node '{o['go']}'", code="bad_menu")
    if o.get("queue") is not None and queues is not None and o["queue"] not in queues:
        raise Invalid(f"{where}: unknown queue '{o['queue']}'", code="bad_menu")
    if o.get("info") is not None:
        if prompts is not None and o["info"] not in prompts:
            raise Invalid(f"{where}: unknown prompt '{o['info']}'", code="bad_menu")
        then = o.get("then", "hangup")
        if then != "hangup" and then not in nodes:
            raise Invalid(f"{where}: 'then' must be a node or 'hangup'", code="bad_menu")
    elif "then" in o:
        raise Invalid(f"{where}: 'then' goes with 'info' only", code="bad_menu")
    if o.get("lang") is not None and langs is not None and o["lang"] not in langs:
        raise Invalid(f"{where}: the center does not serve language '{o['lang']}'", code="bad_menu")
    return Option(go=o.get("go"), queue=o.get("queue"), info=o.get("info"),
                  then=o.get("then", "hangup") if o.get("info") else None,
                  hangup=bool(o.get("hangup")), lang=o.get("lang"))


def to_data(menu: Menu) -> dict[str, Any]:
    """The stored form of a parsed menu (`parse(to_data(m)) == m`)."""
    def opt(o: Option) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for k in ("go", "queue", "info", "then", "lang"):
            if getattr(o, k) is not None:
                d[k] = getattr(o, k)
        if o.hangup:
            d["hangup"] = True
        return d
    return {
        "start": menu.start, "operator_queue": menu.operator_queue,
        "nodes": {
            n.id: {"prompt": n.prompt, "timeout_s": n.timeout_s, "retries": n.retries,
                   "options": {k: opt(o) for k, o in n.options.items()},
                   **({"no_input": opt(n.no_input)} if n.no_input else {})}
            for n in menu.nodes.values()
        },
    }


def start(menu: Menu) -> tuple[State, list[Effect]]:
    """Enter the menu: the start node's prompt, then listen."""
    node = menu.nodes[menu.start]
    return State(node=node.id), [Play(node.prompt), Listen(node.timeout_s)]


def press(menu: Menu, state: State, key: str) -> tuple[State, list[Effect]]:
    """The caller pressed `key` (any string: garbage is handled as an invalid key)."""
    if state.done:
        return state, []
    node = menu.nodes[state.node]
    state = replace(state, path=state.path + (key if key in DIGITS and len(key) == 1 else "?",))
    option = node.options.get(key) if len(key) == 1 else None
    if option is None and key == OPERATOR_KEY:
        option = Option(queue=menu.operator_queue)
    if option is None:
        return _retry(menu, state, node, "voice.menu.invalid")
    return _follow(menu, state, option)


def silence(menu: Menu, state: State) -> tuple[State, list[Effect]]:
    """Nothing pressed within the node's timeout."""
    if state.done:
        return state, []
    return _retry(menu, state, menu.nodes[state.node], "voice.menu.no_input")


def _retry(menu: Menu, state: State, node: Node, notice: str) -> tuple[State, list[Effect]]:
    if state.tries < node.retries:
        return replace(state, tries=state.tries + 1), [Play(notice), Play(node.prompt), Listen(node.timeout_s)]
    fallback = node.no_input or Option(queue=menu.operator_queue)
    return _follow(menu, state, fallback)


def _follow(menu: Menu, state: State, option: Option, depth: int = 0) -> tuple[State, list[Effect]]:
    effects: list[Effect] = []
    if option.lang:
        effects.append(SetLang(option.lang))
    if option.queue:
        return replace(state, done=True), effects + [Enqueue(option.queue)]
    if option.hangup:
        return replace(state, done=True), effects + [Play("voice.goodbye"), Hangup("menu")]
    if option.info:
        effects.append(Play(option.info))
        if option.then == "hangup" or option.then is None or depth > 8:
            return replace(state, done=True), effects + [Play("voice.goodbye"), Hangup("information")]
        nxt = menu.nodes[option.then]
        return State(node=nxt.id, path=state.path), effects + [Play(nxt.prompt), Listen(nxt.timeout_s)]
    assert option.go is not None
    nxt = menu.nodes[option.go]
    return State(node=nxt.id, path=state.path), effects + [Play(nxt.prompt), Listen(nxt.timeout_s)]


def default_tree(*, languages: tuple[str, ...], operator_queue: str, queue_of_lang: dict[str, str],
                 department: bool = False) -> dict[str, Any]:
    """The menu a center starts with: 0 (or silence) an agent, 8 the hours, 9 then 1–5 the other
    service languages (120+9: each option switches the prompts and joins that language's line).
    A department's legacy line starts with its own greeting, and 1 for the department."""
    others = [lang for lang in languages[1:]][:9]
    lang_options = {str(i + 1): {"lang": lang, "queue": queue_of_lang.get(lang, operator_queue)}
                    for i, lang in enumerate(others)}
    main_options: dict[str, Any] = {"0": {"queue": operator_queue}}
    if department:
        main_options["1"] = {"queue": operator_queue}
    else:
        main_options["8"] = {"info": "voice.info.hours", "then": "main"}
    nodes: dict[str, Any] = {
        "main": {"prompt": "voice.menu.department" if department else "voice.menu.main", "timeout_s": 6,
                 "retries": 1, "options": main_options, "no_input": {"queue": operator_queue}},
    }
    if lang_options:
        main_options["9"] = {"go": "languages"}
        nodes["languages"] = {"prompt": "voice.menu.languages", "timeout_s": 6, "retries": 1,
                              "options": lang_options, "no_input": {"queue": operator_queue}}
    return {"start": "main", "operator_queue": operator_queue, "nodes": nodes}
