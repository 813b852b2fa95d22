import { byId } from './dom';

/** What the header says while the browser is offline (navigator.onLine is false). */
export const OFFLINE_NOTE =
  'Offline: the app runs from the copy this browser keeps of it. The demo model, training on the ' +
  'bundled corpus and models loaded before (kept in the browser cache) work; other models need the network.';

/** Shows OFFLINE_NOTE in the header while the browser has no network, and hides it when it is back. */
export function setupNetworkNote(): void {
  const note = byId('network-note', HTMLElement);
  const update = () => {
    note.textContent = navigator.onLine ? '' : OFFLINE_NOTE;
    note.hidden = navigator.onLine;
  };
  addEventListener('online', update);
  addEventListener('offline', update);
  update();
}
