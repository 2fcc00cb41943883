// The app's files offline: registers the service worker (served by the server at
// /app/sw.js, see expense_tracker/web/service_worker.js) and tells the person when a new
// version of the app is ready. The new version waits until they choose to reload, so a
// page never runs old and new modules together.

import { h } from "./dom.js";

const WORKER = "/app/sw.js";
let note = null;

/** The "Updated" note: a new version is installed and waiting; reloading switches to it. */
function showUpdated(worker) {
  if (note) return;
  note = h(
    "div",
    { class: "update-note", role: "status" },
    h("span", {}, "Updated — a new version of the app is ready."),
    h(
      "button",
      {
        type: "button",
        class: "primary",
        onclick: () => {
          // The waiting worker takes over; controllerchange below then reloads every tab.
          worker.postMessage("skip-waiting");
        },
      },
      "Reload",
    ),
  );
  document.body.append(note);
}

function watch(registration) {
  // A worker already waiting (installed on an earlier visit while this page was open).
  if (registration.waiting && navigator.serviceWorker.controller) showUpdated(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener("statechange", () => {
      // The first install has no controller yet: nothing to update from, no note.
      if (worker.state === "installed" && navigator.serviceWorker.controller) showUpdated(worker);
    });
  });
}

export async function registerShell() {
  if (!("serviceWorker" in navigator)) return null;
  let reloading = false;
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // Only a switch from one version to the next reloads; the first install does not.
    if (!hadController || reloading) return;
    reloading = true;
    location.reload();
  });
  try {
    const registration = await navigator.serviceWorker.register(WORKER, { scope: "/app/", updateViaCache: "none" });
    watch(registration);
    return registration;
  } catch (error) {
    console.warn("The app will not work offline:", error);
    return null;
  }
}
