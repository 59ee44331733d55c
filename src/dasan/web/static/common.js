// Shared helpers for the staff pages: API calls with the CSRF header, the live event socket,
// and DOM building that only ever sets text (never HTML built from data).
export const body = document.body;
export const S = JSON.parse(body.dataset.strings || "{}");
export const CSRF = body.dataset.csrf || "";
export const ME = Number(body.dataset.userId || 0);

export async function api(method, url, data) {
  const opts = { method, headers: { "X-CSRF-Token": CSRF }, credentials: "same-origin" };
  if (data !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(data);
  }
  const res = await fetch(url, opts);
  if (res.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); return null; }
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) { const err = new Error((json && json.message) || res.statusText); err.status = res.status; err.body = json; throw err; }
  return json;
}

// el("li", {class: "x", dataset: {id: 1}}, "text", childNode) — text children become text nodes.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// Times are shown in the center's time zone (the page says which), never the browser's: a
// supervisor abroad or a CI machine in UTC sees the same day and hour as the center.
export const TZ = document.documentElement.dataset.tz || undefined;
export const TODAY = document.documentElement.dataset.today || "";
const LANG = document.documentElement.lang;

export function fmtTime(iso) {
  return new Date(iso).toLocaleTimeString(LANG, { hour: "2-digit", minute: "2-digit", timeZone: TZ });
}

export function fmtDateTime(iso) {
  return new Date(iso).toLocaleString(LANG, { dateStyle: "medium", timeStyle: "short", timeZone: TZ });
}

export function fmtDate(iso) {
  return new Date(iso).toLocaleDateString(LANG, { dateStyle: "medium", timeZone: TZ });
}

// A calendar date (YYYY-MM-DD) `n` days from another: pure date arithmetic, no time zone.
export function addDays(isoDate, n) {
  const d = new Date(isoDate + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// The staff socket: reconnects with backoff and calls onResync after every (re)connect, since
// events may have been missed while it was down; state is then refetched from the API.
export function connectStaff(onEvent, onResync) {
  const live = document.getElementById("live");
  let delay = 500;
  function open() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/staff");
    let ping;
    ws.onopen = () => {
      delay = 500;
      if (live) { live.textContent = "● " + (S.connected || "live"); live.className = "live on"; }
      ping = setInterval(() => ws.readyState === 1 && ws.send("ping"), 20000);
      onResync();
    };
    ws.onmessage = (e) => {
      const ev = JSON.parse(e.data);
      if (ev.type === "resync" || ev.type === "reconnect") { onResync(); return; }
      onEvent(ev);
    };
    ws.onclose = () => {
      clearInterval(ping);
      if (live) { live.textContent = "○ " + (S.disconnected || "offline"); live.className = "live off"; }
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 5000);
    };
  }
  open();
}

const logout = document.getElementById("logout");
if (logout) logout.addEventListener("click", async () => { await api("POST", "/logout"); location.href = "/login"; });
