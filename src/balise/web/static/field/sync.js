// Sending the outbox to /api/sync (docs/field-sync.md).
//
// A batch is written to IndexedDB with its Idempotency-Key *before* it is sent, and
// resent unchanged — same key, same records — until the server answers; only then are
// its records settled. So a retry after a timeout, a crash or a closed phone is the same
// request, which the server answers once. Tries: on page load, when the network
// returns, when the page comes back to the front, after each save, and every 5 s to
// 5 min (doubling after each failure: the "online" event is not reliable on every
// phone, the timer is). Nothing expires.
import * as store from "./store.js";

const BATCH = 50;
const FIRST_DELAY = 5000;
const LONGEST_DELAY = 300000;

export class Sync {
  constructor({ user, token, t, uuid, state, changed, refreshToken }) {
    Object.assign(this, { user, token, t, uuid, state, changed, refreshToken });
    this.fresh = false; // a token from a page served offline may be stale
    this.busy = false;
    this.again = false;
    this.single = false;
    this.loginNeeded = false;
    this.delay = FIRST_DELAY;
    this.lastSent = null;
  }

  setToken(token) {
    this.token = token;
    this.fresh = true;
    this.loginNeeded = false;
  }

  needsLogin() {
    this.loginNeeded = true;
    this.state(this.t("login_again"), true);
    const notice = document.getElementById("sync-state");
    if (notice && !notice.querySelector("a")) {
      const link = document.createElement("a");
      link.href = "/login?next=/field";
      link.textContent = ` ${this.t("log_in")}`;
      notice.append(link);
    }
  }

  start() {
    window.addEventListener("online", () => this.flush());
    window.addEventListener("offline", () => this.state(this.t("offline"), true));
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.flush(); });
    const tick = () => { this.flush().finally(() => setTimeout(tick, this.delay)); };
    tick();
  }

  async flush() {
    if (this.busy) { this.again = true; return; }
    this.busy = true;
    let superseded = false;
    let sent = false;
    try {
      for (;;) {
        const batch = await this.nextBatch();
        if (!batch) break;
        this.state(this.t("sending"));
        const answer = await this.send(batch);
        if (answer === "login") return;
        if (answer === "split") continue;
        await store.settle(batch.key, answer.acks);
        superseded = superseded || answer.acks.some((a) => a.code === "superseded_other_device");
        sent = true;
        this.lastSent = new Date();
        await this.changed(false, false);
      }
      this.delay = FIRST_DELAY;
      this.state(this.lastSent
        ? `${this.t("online")} ${this.t("last_sent", { time: this.lastSent.toLocaleTimeString() })}`
        : this.t("online"));
    } catch (error) {
      this.delay = Math.min(this.delay * 2, LONGEST_DELAY);
      // fetch() rejects (TypeError) when no server can be reached: no network, for the worker.
      if (error instanceof TypeError || navigator.onLine === false) this.state(this.t("offline"), true);
      else this.state(this.t("server_error"), true);
    } finally {
      this.busy = false;
      await this.changed(superseded, sent);
      if (this.again) { this.again = false; this.flush(); }
    }
  }

  async nextBatch() {
    const key = `batch:${this.user}`;
    const kept = await store.get("meta", key);
    if (kept) return kept;
    const items = (await store.all("outbox")).filter((i) => i.user_id === this.user)
      .sort((a, b) => a.created - b.created).slice(0, this.single ? 1 : BATCH);
    if (!items.length) return null;
    const batch = { key, idempotency_key: this.uuid(), records: items.map((i) => i.record) };
    await store.put("meta", batch);
    return batch;
  }

  async send(batch) {
    if (!this.fresh) await this.refreshToken();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      // An ended session shows as a refused token: /api/field/day then said 401.
      if (this.loginNeeded) return "login";
      const response = await fetch("/api/sync", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json",
          "Idempotency-Key": batch.idempotency_key, "X-CSRF-Token": this.token || "" },
        body: JSON.stringify({ protocol: 1, records: batch.records }),
      });
      if (response.status === 401) { this.needsLogin(); return "login"; }
      if (response.status === 403 && attempt === 0) { this.fresh = false; await this.refreshToken(); continue; }
      if (response.status === 403 && this.loginNeeded) return "login";
      if (response.ok) { this.single = false; return response.json(); }
      if (response.status >= 500 || response.status === 403 || response.status === 409 || response.status === 429) {
        throw new Error(`sync ${response.status}`);
      }
      // 400 or 422: the batch cannot be taken as a whole. Send its records one by one
      // (each in a batch with a new key), so that one record never blocks the others.
      const body = await response.json().catch(() => ({}));
      if (body.code === "idempotency_key_reused" || batch.records.length > 1) {
        await store.remove("meta", batch.key);
        this.single = this.single || batch.records.length > 1;
        return "split";
      }
      return { acks: [{ record_id: batch.records[0].record_id, status: "refused",
        code: body.code || String(response.status), message: body.error || String(response.status) }] };
    }
    throw new Error("csrf");
  }
}
