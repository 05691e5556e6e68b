// "Ma journée": the worker's visits of the day, usable without network.
// The day's data comes from /api/field/day and is kept in IndexedDB; what the worker
// records goes to the outbox (store.js) and is sent to /api/sync by sync.js.
import * as store from "./store.js";
import { Sync } from "./sync.js";

const root = document.getElementById("field");
const T = JSON.parse(root.dataset.strings);
const USER = Number(root.dataset.user);
const LANG = root.dataset.lang === "en" ? "en-CA" : "fr-CA";
const $ = (id) => document.getElementById(id);

let day = null;
let drafts = new Map();
let waiting = [];

function t(key, params = {}) {
  return T[key].replace(/\{(\w+)\}/g, (_m, name) => String(params[name] ?? ""));
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else if (name === "on") for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function deviceId() {
  const found = await store.get("meta", "device");
  if (found) return found.value;
  const value = uuid();
  await store.put("meta", { key: "device", value });
  return value;
}

const hhmm = (date) => `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
const clockOf = (iso) => (iso ? iso.slice(11, 16) : "");
const draftKey = (visitId) => `${USER}:${visitId}`;

// ---- the day's data -------------------------------------------------------------

async function loadDay() {
  try {
    const response = await fetch("/api/field/day", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) { sync.needsLogin(); throw new Error("login"); }
    if (!response.ok) throw new Error(`day ${response.status}`);
    const data = await response.json();
    sync.setToken(data.csrf_token);
    day = data;
    await store.put("meta", { key: `day:${USER}`, data, saved: Date.now() });
    $("day-notice").hidden = true;
  } catch (_error) {
    const kept = await store.get("meta", `day:${USER}`);
    if (kept) {
      day = kept.data;
      $("day-notice").textContent = t("offline_copy", { time: new Date(kept.saved).toLocaleString(LANG) });
      $("day-notice").hidden = false;
    }
  }
}

async function refreshLocal() {
  drafts = new Map((await store.all("drafts")).filter((d) => d.user_id === USER).map((d) => [d.visit_id, d]));
  waiting = (await store.all("outbox")).filter((i) => i.user_id === USER).sort((a, b) => a.created - b.created);
}

// ---- what a visit looks like now: the server's state, then what waits, then a draft ----

function current(visit) {
  const mine = waiting.filter((i) => i.visit_id === visit.id);
  const last = mine.length ? mine[mine.length - 1].record.realization : null;
  const base = last || visit.realized;
  const planned = visit.acts.filter((a) => a.planned).map((a) => a.id);
  const draft = drafts.get(visit.id);
  return {
    status: draft && !last ? "started" : base.status,
    waiting: Boolean(last),
    start: draft ? draft.start : clockOf(base.start),
    end: clockOf(base.end),
    travel: base.travel_minutes ?? "",
    // A planned visit's acts are the planned ones until the worker says otherwise.
    acts: last ? (last.acts_done ?? planned) : (base.status === "planned" ? planned : base.acts_done),
    reasons: base.reason_ids || [],
    unmet: (last && last.unmet_act_ids) || [],
    note: base.note || "",
  };
}

// ---- recording -------------------------------------------------------------------

function at(clock, after) {
  if (!clock) return null;
  const moment = new Date(`${day.day}T${clock}:00`);
  // A visit that ends after midnight ends the next day.
  if (after && clock < after) moment.setDate(moment.getDate() + 1);
  const pad = (n) => String(n).padStart(2, "0");
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}T${clock}:00`;
}

async function save(visit, values) {
  const on = day.collect;
  const realization = {
    status: values.status,
    start: on.realized_times ? at(values.start) : null,
    end: on.realized_times ? at(values.end, values.start) : null,
    travel_minutes: on.travel && values.travel !== "" ? Number(values.travel) : null,
    acts_done: values.acts,
    reason_ids: on.variance_reasons ? values.reasons : [],
    unmet_act_ids: on.unmet_needs ? values.unmet : [],
    note: on.notes && values.note.trim() ? values.note.trim() : null,
  };
  const record = {
    record_id: uuid(), kind: "visit.realization", device_id: await deviceId(),
    recorded_at: new Date().toISOString(), visit_id: visit.id, realization,
  };
  const label = t("visit_of", { time: visit.planned_start || visit.window[0], code: visit.client });
  await store.enqueue({ record_id: record.record_id, user_id: USER, visit_id: visit.id, created: Date.now(), label, record }, draftKey(visit.id));
  await refreshLocal();
  renderVisit(visit, t("saved_local"));
  renderQueue();
  sync.flush();
}

async function start(visit) {
  await store.put("drafts", { key: draftKey(visit.id), user_id: USER, visit_id: visit.id, start: hhmm(new Date()) });
  await refreshLocal();
  renderVisit(visit, t("saved_local"));
}

function finish(visit) {
  const now = current(visit);
  return save(visit, { ...now, status: "done", start: now.start || hhmm(new Date()), end: hhmm(new Date()) });
}

// ---- rendering -------------------------------------------------------------------

function choices(name, legend, options, checked) {
  return el("fieldset", {}, el("legend", { text: legend }),
    options.map((o) => el("label", {}, el("input", { type: "checkbox", name, value: o.id, checked: checked.includes(o.id) }),
      el("span", { text: o.category ? `${o.label} (${o.category})` : o.label }))));
}

function detailsForm(visit, now) {
  const on = day.collect;
  const actOptions = [...visit.acts.map((a) => ({ id: a.id, label: a.label })),
    ...day.acts.filter((a) => !visit.acts.some((v) => v.id === a.id))];
  const form = el("form", { class: "fv-form" },
    on.realized_times && el("div", { class: "row" },
      el("label", {}, t("start_time"), el("input", { type: "time", name: "start", value: now.start })),
      el("label", {}, t("end_time"), el("input", { type: "time", name: "end", value: now.end }))),
    on.travel && el("label", {}, t("travel"), el("input", { name: "travel", inputmode: "numeric", value: now.travel })),
    choices("acts", t("acts_done"), actOptions, now.acts),
    on.variance_reasons && choices("reasons", t("reasons"), day.reasons, now.reasons),
    on.unmet_needs && choices("unmet", t("unmet"), day.acts, now.unmet),
    on.notes && el("label", {}, t("note"), el("textarea", { name: "note", rows: "3", text: now.note })),
    el("button", { class: "primary big", type: "submit", text: t("save") }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const ids = (name) => data.getAll(name).map(Number);
    save(visit, {
      status: now.status === "not_done" ? "not_done" : "done",
      start: data.get("start") || "", end: data.get("end") || "", travel: data.get("travel") || "",
      acts: ids("acts"), reasons: ids("reasons"), unmet: ids("unmet"), note: data.get("note") || "",
    });
  });
  return form;
}

function card(visit, message) {
  const now = current(visit);
  const statusText = now.waiting ? `${t(`status_${now.status}`)} · ${t("waiting_badge")}` : t(`status_${now.status}`);
  const actions = el("div", { class: "fv-actions" });
  if (now.status === "started") {
    actions.append(el("p", { class: "started-at", text: t("started_at", { time: now.start }) }),
      el("button", { type: "button", class: "finish big", text: t("finish"), on: { click: () => finish(visit) } }));
  } else if (now.status === "planned") {
    actions.append(el("button", { type: "button", class: "primary big", text: t("start"), on: { click: () => start(visit) } }),
      el("button", { type: "button", class: "finish big", text: t("finish"), on: { click: () => finish(visit) } }));
  }
  if (now.status === "planned" || now.status === "started") {
    actions.append(el("button", { type: "button", class: "big", text: t("not_done"),
      on: { click: () => save(visit, { ...now, status: "not_done", end: "", acts: [] }) } }));
  }
  return el("li", { class: `fv ${now.status}`, id: `visit-${visit.id}`, "data-visit": visit.id },
    el("div", { class: "fv-head" },
      el("span", { class: "fv-time", text: visit.planned_start || visit.window[0] }),
      el("span", { text: t("window", { start: visit.window[0], end: visit.window[1] }) }),
      el("span", { class: `fv-status${now.waiting ? " waiting" : ""}`, text: statusText })),
    el("p", { class: "fv-place", text: `${t("client", { code: visit.client })} · ${visit.place}` }),
    el("ul", { class: "fv-acts" }, visit.acts.map((a) => el("li", {},
      a.label, a.planned ? null : ` (${t("added")})`,
      a.reference_minutes ? el("span", { class: "fv-ref", text: ` — ${t("reference", { n: a.reference_minutes })}` }) : null))),
    el("p", { class: "fv-meta", text: t("planned_minutes", { n: visit.planned_minutes }) }),
    message ? el("p", { class: "fv-message ok", role: "status", text: message }) : null,
    actions,
    el("details", { class: "fv-details" }, el("summary", { text: t("details") }), detailsForm(visit, now)));
}

function renderVisit(visit, message) {
  const old = $(`visit-${visit.id}`);
  const fresh = card(visit, message);
  if (old) {
    if (old.querySelector("details[open]")) fresh.querySelector("details").open = true;
    old.replaceWith(fresh);
  } else {
    $("visits").append(fresh);
  }
}

function renderDay() {
  if (!day) return;
  $("field-date").textContent = new Intl.DateTimeFormat(LANG, { weekday: "long", day: "numeric", month: "long" })
    .format(new Date(`${day.day}T12:00:00`));
  $("visits").replaceChildren();
  if (!day.visits.length) $("visits").append(el("li", { text: t("no_visit") }));
  for (const visit of day.visits) renderVisit(visit);
}

async function renderQueue() {
  await refreshLocal();
  const count = waiting.length;
  $("sync-count").textContent = count ? t("outbox_count", { n: count }) : t("outbox_empty");
  $("sync-now").hidden = count === 0;
  $("outbox").hidden = count === 0;
  $("outbox-list").replaceChildren(...waiting.map((i) => el("li", { "data-record": i.record_id,
    text: `${i.label} — ${new Date(i.created).toLocaleTimeString(LANG, { hour: "2-digit", minute: "2-digit" })}` })));
  $("sync").classList.toggle("waiting", count > 0);
  const refused = (await store.all("refused")).filter((i) => i.user_id === USER);
  $("refused").hidden = refused.length === 0;
  $("refused-list").replaceChildren(...refused.map((i) => el("li", {}, `${i.label}: ${i.ack.message || i.ack.code}`, " ",
    el("button", { type: "button", text: t("dismiss"), on: { click: async () => { await store.remove("refused", i.record_id); renderQueue(); } } }))));
}

const sync = new Sync({
  user: USER, token: root.dataset.csrf, t, uuid,
  state: (text, offline) => { $("sync-state").textContent = text; $("sync").classList.toggle("offline", Boolean(offline)); },
  changed: async (anySuperseded, anySent) => {
    await renderQueue();
    // What was acknowledged has left the outbox (store.settle): the server's copy of the
    // day now holds it, and the page shows that copy.
    if (anySuperseded || anySent) await loadDay();
    if (!document.querySelector(".fv details[open]")) renderDay();
  },
  refreshToken: loadDay,
});

// ---- logging out ------------------------------------------------------------------

// Logging out forgets the day (store.forgetPersonal). What is not on the server yet
// stays on the phone for the next login, but the worker is told first and may stay to
// send it: nothing is lost silently, and nothing is kept without her knowing.
async function logOut(event, form) {
  event.preventDefault();
  let count = 0;
  try {
    const left = await store.pending(USER);
    count = left.outbox + left.refused + left.drafts;
  } catch (_error) {
    // No storage on this browser (private mode?): nothing waits on it either.
  }
  if (count && $("logout-warning").hidden) {
    $("logout-warning-text").textContent = t("logout_pending", { n: count });
    $("logout-warning").hidden = false;
    $("logout-anyway").focus();
    return;
  }
  await leave(form);
}

// A failure to forget must not keep anyone logged in: the login page tries again.
async function leave(form) {
  await store.forgetPersonal().catch(() => {});
  form.submit(); // does not fire "submit" again
}

function watchLogout() {
  const form = document.querySelector('form[action="/logout"]');
  if (!form) return;
  form.addEventListener("submit", (event) => logOut(event, form));
  $("logout-anyway").addEventListener("click", () => leave(form));
  $("logout-stay").addEventListener("click", () => {
    $("logout-warning").hidden = true;
    sync.flush();
  });
}

async function main() {
  $("sync-now").addEventListener("click", () => sync.flush());
  watchLogout();
  try {
    await store.open();
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  } catch (_error) {
    $("sync-state").textContent = t("storage_failed");
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/field/sw.js", { scope: "/field" }).catch(() => {});
  }
  await refreshLocal();
  await loadDay();
  renderDay();
  await renderQueue();
  sync.start();
  root.dataset.ready = "1";
}

main();
