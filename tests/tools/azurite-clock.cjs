// A clock for Azurite that a test can move forward: `node --require tests/tools/azurite-clock.cjs azurite.js ...`.
//
// It replaces the global Date so that `new Date()` and `Date.now()` return the real time plus an offset. Azurite
// reads the time only that way (message visibility, expiry, SAS validity, timestamps), so moving the offset forward
// is, to Azurite, time passing: a message received with a 10-minute visibility timeout is visible again after a
// 10-minute step. Timers (setTimeout, setInterval) use the monotonic clock and are not affected.
//
// The offset changes on SIGUSR2:
// - with AZURITE_CLOCK_FILE set, the offset becomes the whole number of milliseconds in that file (it is also read
//   at start, so a restarted Azurite keeps the clock where the test left it);
// - without it, the offset grows by AZURITE_CLOCK_STEP_MINUTES minutes (default 10), e.g. `kill -USR2 <pid>`.
// Each change is acknowledged on stdout with the line `azurite-clock offset-ms=<offset>`.
'use strict';

const fs = require('fs');

const RealDate = Date;
const file = process.env.AZURITE_CLOCK_FILE;
const stepMinutes = Number(process.env.AZURITE_CLOCK_STEP_MINUTES || '10');
let offsetMs = 0;

function readOffset() {
  const text = fs.readFileSync(file, 'utf8').trim();
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new Error(`azurite-clock: ${file} must hold a whole number of milliseconds, not '${text}'`);
  }
  return value;
}

function ShiftedDate(...args) {
  if (!new.target) {
    return new RealDate(RealDate.now() + offsetMs).toString(); // Date() called as a function returns a string
  }
  return Reflect.construct(RealDate, args.length === 0 ? [RealDate.now() + offsetMs] : args, new.target);
}
ShiftedDate.prototype = RealDate.prototype;
ShiftedDate.now = () => RealDate.now() + offsetMs;
ShiftedDate.parse = RealDate.parse;
ShiftedDate.UTC = RealDate.UTC;
globalThis.Date = ShiftedDate;

if (file && fs.existsSync(file)) {
  offsetMs = readOffset();
}

process.on('SIGUSR2', () => {
  try {
    offsetMs = file ? readOffset() : offsetMs + stepMinutes * 60 * 1000;
    process.stdout.write(`azurite-clock offset-ms=${offsetMs}\n`);
  } catch (err) {
    process.stdout.write(`azurite-clock error ${err.message}\n`);
  }
});
