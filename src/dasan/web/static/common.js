// Shared helpers for the staff pages: API calls with the CSRF header, the live event socket,
// and DOM building that only ever sets text (never HTML built from data).
export const body = document.body;
export const S = JSON.parse(body.dataset.strings || "{}");
export const CSRF = body.dataset.csrf || "";
export const ME = Number(body.dataset.userId || 0);

// Set when the page is being left (logging out, navigating): a late 401 or closed socket then
// sends nobody to the login page.
let leaving = false;
window.addEventListener("pagehide", () => { leaving = true; });
window.addEventListener("pageshow", () => { leaving = false; });  // back from the browser's page cache

export async function api(method, url, data) {
  const opts = { method, headers: { "X-CSRF-Token": CSRF }, credentials: "same-origin" };
  if (data !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(data);
  }
  const res = await fetch(url, opts);
  if (res.status === 401) { if (!leaving) location.href = "/login?next=" + encodeURIComponent(location.pathname); return null; }
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

// One rendering of a consultation message for every staff page (the agent's desk, a case's
// transcript for officials and supervisors): who and when, the abuse mark, the text — or that it
// was purged —, its files, and the SMS delivery state.
function abuseBadge(m) {
  if (!m.abuse) return null;
  const kind = S["abuse_" + m.abuse] || m.abuse;
  return el("span", { class: "abuse", role: "note", title: (S.abuse_suggest || "{kind}").replace("{kind}", kind) }, "⚠ " + kind);
}

export function messageItem(m, { citizenName = "", lang = "" } = {}) {
  const when = m.created_at || m.at;
  // What passes between citizen and center is in the contact's language (a screen reader reads it so).
  const bodyLang = lang && (m.kind === "inbound" || m.kind === "outbound") ? lang : undefined;
  return el("li", { class: "msg " + m.kind + (m.abuse ? " flagged" : ""), dataset: { seq: m.seq } },
    el("span", { class: "meta" }, (m.author_name || (m.kind === "inbound" ? citizenName : "")) + " " + (when ? fmtTime(when) : "")),
    abuseBadge(m),
    m.purged ? el("span", { class: "body purged" }, S.message_purged) : el("span", { class: "body", lang: bodyLang }, m.body),
    (m.attachments || []).length ? el("span", { class: "attachments" }, ...m.attachments.map((a) =>
      a.rejected ? el("span", { class: "rejected" }, `${a.name || "file"}: ${a.rejected}`)
        : el("a", { href: a.url, target: "_blank", rel: "noopener" },
          a.thumbnail_url ? el("img", { src: a.thumbnail_url, alt: a.name || "image", class: "thumb" }) : (a.name || a.url)))) : null,
    m.delivery_status ? el("span", { class: "delivery d-" + m.delivery_status, title: m.delivery_error || "" },
      (S["delivery_" + m.delivery_status] || m.delivery_status) + (m.delivery_error ? `: ${m.delivery_error}` : "")) : null);
}

// A message for the user that does not block the page (instead of alert()): announced by screen
// readers (role=alert), dismissed with its button or after a while, never stealing focus.
export function toast(message, kind = "error") {
  let box = document.getElementById("toasts");
  if (!box) { box = el("div", { id: "toasts", class: "toasts" }); body.append(box); }
  const close = el("button", { type: "button", class: "toast-close", "aria-label": S.close || "close" }, "×");
  const item = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, el("span", {}, message), close);
  close.addEventListener("click", () => item.remove());
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 10000 : 5000);
  return item;
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

// Counts with the page language's grouping ("1,467"; "1 467" where that is the custom).
const NUM = new Intl.NumberFormat(LANG || undefined);
export function fmtNum(n) {
  return n === null || n === undefined ? "—" : NUM.format(n);
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
    ws.onclose = (e) => {
      clearInterval(ping);
      if (leaving) return;  // logging out or going to another page: nothing to reconnect
      if (e.code === 4401 || e.code === 4403) {  // the login session ended (or never was): log in again
        location.href = "/login?next=" + encodeURIComponent(location.pathname);
        return;
      }
      if (live) { live.textContent = "○ " + (S.disconnected || "offline"); live.className = "live off"; }
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 5000);
    };
  }
  open();
}

const logout = document.getElementById("logout");
if (logout) logout.addEventListener("click", async () => { leaving = true; await api("POST", "/logout"); location.href = "/login"; });
