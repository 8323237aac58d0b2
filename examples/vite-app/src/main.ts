import { trainXor } from "./train";

const out = document.querySelector("#out")!;
out.textContent = trainXor();

// Editing src/xor.nn re-runs the training with the new model, without a
// page reload. A broken spec shows Vite's error overlay and keeps the page.
if (import.meta.hot) {
  import.meta.hot.accept("./train", (next) => {
    if (next) out.textContent = (next["trainXor"] as typeof trainXor)();
  });
}
