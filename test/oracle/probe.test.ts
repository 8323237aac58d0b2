import { expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";

it("probe", async () => {
  await tf.setBackend("cpu");
  tf.enableProdMode();
  const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], kernelInitializer: "ones" })] });
  const y = m.predict(tf.ones([1, 3])) as tf.Tensor;
  expect(Array.from(y.dataSync())).toEqual([3, 3]);
  // same core instance?
  console.log(tf.engine() === (tfl as any).layers && "x", tf.getBackend(), tf.memory().numTensors);
});
