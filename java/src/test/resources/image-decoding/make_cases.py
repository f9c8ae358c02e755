"""Writes the decoding cases of ImageDecoderPillowCasesTest: small files in formats ImageIO cannot write,
each with the RGB bytes Pillow decodes from it (np.array(Image.open(f).convert("RGB")), HWC uint8, no header).

Made with Debian 12's python3-pil 9.4.0 and python3-numpy 1.24.2 (the Pillow of the fixtures' machine):
    /usr/bin/python3 make_cases.py
linear_rgb.icc is Java's built-in CS_LINEAR_RGB profile (ICC_Profile.getInstance(CS_LINEAR_RGB).getData()),
used as a non-sRGB profile that Pillow ignores and a colour-managing decoder would apply.
"""
import json

import numpy as np
from PIL import Image

W, H = 24, 16


def base():
    y, x = np.mgrid[0:H, 0:W]
    a = np.stack([x * 255 // (W - 1), y * 255 // (H - 1), (x + y) * 6 % 256], axis=-1).astype(np.uint8)
    a[3:9, 4:12] = (220, 120, 30)   # flat block with sharp edges: chroma subsampling shows there
    a[10:14, 15:22] = (20, 200, 90)
    a[:, 18] = (250, 0, 250)
    return Image.fromarray(a, "RGB")


def main():
    im = base()
    icc = open("linear_rgb.icc", "rb").read()
    y, x = np.mgrid[0:H, 0:W]
    gray16 = Image.fromarray((y ** 3 * 13 + x).astype(np.uint16))  # 0 .. 43898: some below 256, most above
    pal = im.convert("P", palette=Image.ADAPTIVE, colors=16)
    pal.info["transparency"] = 3
    cases = {
        "cmyk.jpg": lambda f: im.convert("CMYK").save(f, quality=92),
        "icc_linear_rgb.jpg": lambda f: im.save(f, quality=92, icc_profile=icc),
        "progressive.jpg": lambda f: im.save(f, quality=80, progressive=True, subsampling=2),
        "gray16.png": lambda f: gray16.save(f),
        "palette_transparency.png": lambda f: pal.save(f, transparency=3),
        "lossless.webp": lambda f: im.save(f, lossless=True),
        "lossy.webp": lambda f: im.save(f, quality=90),
    }
    manifest = {}
    for name, write in cases.items():
        write(name)
        opened = Image.open(name)
        rgb = np.array(opened.convert("RGB"))
        rgb.tofile(name + ".rgb")
        manifest[name] = {"mode": opened.mode, "width": opened.size[0], "height": opened.size[1]}
    with open("cases.json", "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
