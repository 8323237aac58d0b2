"""HDF5 layouts beyond what Keras writes by default, made with h5py, for
test/hdf5.test.ts: chunked + gzip + shuffle storage, several element types
and byte orders, string attributes of both kinds, and a file in the newest
format (superblock v3, version-2 object headers, link messages).

Run:  /work/.venv-keras/bin/python test/keras/interop/hdf5/make_hdf5.py
"""
import json
import pathlib

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
rng = np.random.default_rng(5)
a = rng.standard_normal((7, 5)).astype("float32")
b = np.arange(24, dtype="<f8").reshape(2, 3, 4) / 7
c = np.arange(-5, 5, dtype=">i4")
d = rng.standard_normal(6).astype(">f4")

with h5py.File(HERE / "chunked.h5", "w", libver="earliest") as f:
    g = f.create_group("weights/inner")
    g.create_dataset("gz", data=a, chunks=(3, 2), compression="gzip", shuffle=True)
    g.create_dataset("f64", data=b)
    g.create_dataset("i32be", data=c)
    g.create_dataset("f32be", data=d)
    g.create_dataset("scalar", data=np.float32(2.5))
    f.attrs["vlen"] = "héllo"
    f.attrs["names"] = np.array([b"dense/kernel", b"dense/bias"])
    f.attrs["ints"] = np.array([3, 1, 4], dtype="int64")
    for i in range(20):
        f.create_group(f"many/g{i:02d}")

with h5py.File(HERE / "latest.h5", "w", libver="latest") as f:
    g = f.create_group("layers/dense/vars")
    g.create_dataset("0", data=a)
    g.create_dataset("1", data=c.astype("<i4"))
    g.attrs["name"] = "dense"

(HERE / "expected.json").write_text(json.dumps({
    "gz": a.reshape(-1).astype("float64").tolist(),
    "f64": b.reshape(-1).tolist(),
    "i32be": c.astype("float64").tolist(),
    "f32be": d.astype("float64").tolist(),
}) + "\n")
print("wrote", HERE)
