// What the field app keeps on the phone, in IndexedDB: the outbox of records not yet
// acknowledged, the records the server refused, visits started but not finished, and
// the day's data. Nothing here expires: a record leaves the outbox only when the server
// has acknowledged it (or refused it, and then the worker removes it).
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
