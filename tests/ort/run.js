#!/usr/bin/env node
// Reference forward pass with onnxruntime (CPU): feeds a float32 .npy to the model's first
// input and writes its first output as a float32 .npy. Usage: node run.js MODEL.onnx IN.npy OUT.npy
'use strict';
const fs = require('fs');
const path = require('path');

function fail(msg, code = 2) {
  process.stderr.write(`run.js: ${msg}\n`);
  process.exit(code);
}

// Parse a little-endian float32, C-order .npy (format versions 1.0, 2.0, 3.0).
function readNpy(file) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    fail(`cannot read ${file}: ${e.message}`);
  }
  const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
  if (buf.length < 10 || !buf.subarray(0, 6).equals(magic)) fail(`${file}: not a .npy file`);
  const major = buf[6];
  let hlen, hstart;
  if (major === 1) {
    hlen = buf.readUInt16LE(8);
    hstart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) fail(`${file}: truncated header`);
    hlen = buf.readUInt32LE(8);
    hstart = 12;
  } else {
    fail(`${file}: unsupported .npy version ${major}.${buf[7]}`);
  }
  if (hstart + hlen > buf.length) fail(`${file}: truncated header`);
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeM) fail(`${file}: malformed header ${JSON.stringify(header)}`);
  if (descr[1] !== '<f4') fail(`${file}: dtype ${descr[1]} is not float32 little-endian ('<f4')`);
  if (fortran[1] !== 'False') fail(`${file}: fortran_order arrays are not supported`);
  const dims = shapeM[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => {
    if (!/^\d+$/.test(s)) fail(`${file}: bad shape entry '${s}'`);
    return Number(s);
  });
  const count = dims.reduce((a, b) => a * b, 1);
  const dstart = hstart + hlen;
  if (buf.length - dstart !== count * 4) {
    fail(`${file}: expected ${count * 4} data bytes for shape (${dims}), found ${buf.length - dstart}`);
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = buf.readFloatLE(dstart + 4 * i);
  return { dims, data };
}

// Write a float32 .npy, version 1.0, header padded with spaces to a multiple of 64 bytes.
function writeNpy(file, dims, data) {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = Buffer.alloc(total + 4 * data.length);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(out, 0);
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i], total + 4 * i);
  fs.writeFileSync(file, out);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 3) fail('usage: node run.js MODEL.onnx INPUT.npy OUTPUT.npy');
  const [modelPath, inPath, outPath] = args;
  if (!fs.existsSync(modelPath)) fail(`model not found: ${modelPath}`);
  const input = readNpy(inPath);

  let ort;
  try {
    ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
  } catch (e) {
    fail(`onnxruntime-node is not installed (npm install --ignore-scripts --prefix ${__dirname}): ${e.message}`);
  }
  let session;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      intraOpNumThreads: 2,
      interOpNumThreads: 1,
    });
  } catch (e) {
    fail(`cannot load ${modelPath}: ${e.message}`);
  }
  let result;
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input.data, input.dims) };
    result = await session.run(feeds, [session.outputNames[0]]);
  } catch (e) {
    fail(`inference failed: ${e.message}`, 1);
  }
  const y = result[session.outputNames[0]];
  if (y.type !== 'float32') fail(`first output '${session.outputNames[0]}' is ${y.type}, not float32`, 1);
  writeNpy(outPath, y.dims.map(Number), y.data);
}

main().catch((e) => fail(e.stack || String(e), 1));
