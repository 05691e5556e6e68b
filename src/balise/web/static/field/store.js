// What the field app keeps on the phone, in IndexedDB: the outbox of records not yet
// acknowledged, the records the server refused, visits started but not finished, and
// the day's data. Nothing here expires: a record leaves the outbox only when the server
// has acknowledged it (or refused it, and then the worker removes it).
//
// At logout the phone keeps nothing personal except what is still pending — records
// not yet acknowledged, refused records not yet dismissed, visits started — which the
// worker was warned about before leaving (forgetPersonal; docs/field-sync.md).
//
// Writes that hold a worker's record use durability "strict": the transaction completes
// only once the data is on disk, so closing the browser or the phone right after
// "Saved on this phone" loses nothing.

const DB_NAME = "balise-field";
const DB_VERSION = 1;
const STORES = ["outbox", "refused", "drafts", "meta"];
let opening = null;

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        for (const name of STORES) {
          if (!db.objectStoreNames.contains(name)) {
            db.createObjectStore(name, { keyPath: name === "outbox" || name === "refused" ? "record_id" : "key" });
          }
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("indexeddb blocked"));
    });
  }
  return opening;
}

// The database if this browser already has it: never create it just to empty it
// (the login page calls this for every visitor).
function openExisting() {
  return new Promise((resolve) => {
    const request = indexedDB.open(DB_NAME);
    request.onupgradeneeded = (event) => {
      if (event.oldVersion === 0) request.transaction.abort();
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
    request.onblocked = () => resolve(null);
  });
}

function done(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("aborted"));
  });
}

function asPromise(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function write(names, work) {
  const db = await open();
  const transaction = db.transaction(names, "readwrite", { durability: "strict" });
  const result = work(transaction);
  await done(transaction);
  return result;
}

export async function get(store, key) {
  const db = await open();
  return asPromise(db.transaction(store).objectStore(store).get(key));
}

export async function all(store) {
  const db = await open();
  return asPromise(db.transaction(store).objectStore(store).getAll());
}

export function put(store, value) {
  return write([store], (tx) => { tx.objectStore(store).put(value); });
}

export function remove(store, key) {
  return write([store], (tx) => { tx.objectStore(store).delete(key); });
}

// Queue a record and forget the visit's draft in one transaction: never both, never neither.
export function enqueue(item, draftKey) {
  return write(["outbox", "drafts"], (tx) => {
    tx.objectStore("outbox").put(item);
    if (draftKey) tx.objectStore("drafts").delete(draftKey);
  });
}

// Apply the server's acknowledgments of a batch in one transaction: acknowledged records
// leave the outbox, refused ones move to the refused list with the server's reason, and
// the batch (its key and records, kept for retries) is forgotten.
export function settle(batchKey, acks) {
  return write(["outbox", "refused", "meta"], (tx) => {
    const outbox = tx.objectStore("outbox");
    const refused = tx.objectStore("refused");
    for (const ack of acks) {
      if (!ack.record_id) continue;
      if (ack.status === "applied" || ack.status === "superseded") {
        outbox.delete(ack.record_id);
      } else {
        const request = outbox.get(ack.record_id);
        request.onsuccess = () => {
          if (request.result) {
            refused.put({ ...request.result, ack });
            outbox.delete(ack.record_id);
          }
        };
      }
    }
    tx.objectStore("meta").delete(batchKey);
  });
}

// What logging out would leave behind: the worker's own work not yet on the server.
export async function pending(user) {
  const mine = (items) => items.filter((i) => i.user_id === user).length;
  return { outbox: mine(await all("outbox")), refused: mine(await all("refused")),
    drafts: mine(await all("drafts")) };
}

// Logout: forget the day's data (visits, client codes, times, notes) and the kept copy
// of the page (it shows the worker's name). What stays is only what is pending, for the
// next login of its owner: the outbox holds nothing else (a record leaves it when
// acknowledged, with its batch), nor do the refused list (until dismissed) and the
// started visits. Nothing pending: nothing stays but the random device id.
export async function forgetPersonal() {
  const db = opening ? await opening : await openExisting();
  if (db) {
    const transaction = db.transaction(["meta"], "readwrite", { durability: "strict" });
    transaction.objectStore("meta").openCursor().onsuccess = (event) => {
      const cursor = event.target.result;
      if (!cursor) return;
      if (String(cursor.key).startsWith("day:")) cursor.delete();
      cursor.continue();
    };
    await done(transaction);
  }
  if (globalThis.caches) {
    for (const name of await caches.keys()) {
      if (name.startsWith("balise-field")) await (await caches.open(name)).delete("/field");
    }
  }
}
