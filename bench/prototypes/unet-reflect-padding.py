"""Issue 16 trial (dropped): reflection padding instead of zero padding in the U-Net's 3x3 convolutions.

Patches a COPY of the built dist (never dist itself): each 3x3 conv pads its input by one reflected pixel
(concatenated slices, so the gradients are exact) and convolves with pad 'valid'.

  cp -r dist bench/scratch/dist-b && ln -sfn /work/main/build bench/scratch/build \\
    && ln -sfn /work/main/package.json bench/scratch/package.json \\
    && /usr/bin/python3 bench/prototypes/unet-reflect-padding.py bench/scratch/dist-b/diffusion/unet.js
  node bench/scratch/dist-b/cli/main.js run SPEC   # a copy of pipelines/brain-mr.yaml with its own output folder
  npx tsx bench/prototypes/image-feature-separation.mts fixtures/dicom/brain-mr OUT/brain-mr/synthetic
"""
import sys

path = sys.argv[1]
src = open(path).read()
old = """        return tf.fused.conv2d({ x, filter: this.p(`${name}.w`), strides: 1, pad: 'same', bias: bias ? this.p(`${name}.b`) : undefined });"""
new = """        const w = this.p(`${name}.w`);
        if (w.shape[0] === 3) {
            const [B, H, W, C] = x.shape;
            const rows = tf.concat([tf.slice(x, [0, 1, 0, 0], [B, 1, W, C]), x, tf.slice(x, [0, H - 2, 0, 0], [B, 1, W, C])], 1);
            x = tf.concat([tf.slice(rows, [0, 0, 1, 0], [B, H + 2, 1, C]), rows, tf.slice(rows, [0, 0, W - 2, 0], [B, H + 2, 1, C])], 2);
            return tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'valid', bias: bias ? this.p(`${name}.b`) : undefined });
        }
        return tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias: bias ? this.p(`${name}.b`) : undefined });"""
if old not in src:
    sys.exit(f"{path}: the U-Net's conv() is not the one this patch knows (rebuilt since?)")
open(path, "w").write(src.replace(old, new))
print(f"patched {path}: reflection padding in 3x3 convolutions")
