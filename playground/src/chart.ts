/**
 * The live loss and accuracy chart (uPlot): loss on the left axis,
 * accuracy (0–1) on the right, one point per reported epoch.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export class TrainingChart {
  private readonly plot: uPlot;
  private readonly data: [number[], number[], (number | null)[]] = [[], [], []];

  constructor(private readonly parent: HTMLElement) {
    this.plot = new uPlot(
      {
        width: Math.max(320, parent.clientWidth || 420),
        height: 200,
        scales: { x: { time: false }, acc: { range: [0, 1] } },
        series: [
          { label: "epoch" },
          { label: "loss", stroke: "#d9480f", width: 2 },
          { label: "accuracy", stroke: "#2b8a3e", width: 2, scale: "acc" },
        ],
        axes: [{}, { label: "loss" }, { side: 1, scale: "acc", label: "accuracy", grid: { show: false } }],
      },
      this.data as unknown as uPlot.AlignedData,
      parent,
    );
  }

  reset(): void {
    for (const s of this.data) s.length = 0;
    this.plot.setData(this.data as unknown as uPlot.AlignedData);
    this.parent.dataset["points"] = "0";
  }

  push(epoch: number, loss: number, accuracy: number | null): void {
    this.data[0].push(epoch);
    this.data[1].push(loss);
    this.data[2].push(accuracy);
    this.plot.setData(this.data as unknown as uPlot.AlignedData);
    this.parent.dataset["points"] = String(this.data[0].length);
  }
}
