'use strict';
// The CommonJS entry of auxbus-model (package.json exports, condition "require"). The package is
// ES modules; Node >= 20.19 loads them from require() (require(esm)), so this file only hands the
// module over, and on an older Node says what to do instead of a bare ERR_REQUIRE_ESM.
try {
  module.exports = require('../dist/src/index.js');
} catch (e) {
  if (e && e.code === 'ERR_REQUIRE_ESM') {
    throw new Error(`auxbus-model is an ES module: require() of it needs Node >= 20.19 (this is ${process.version}); use import('auxbus-model') instead`, { cause: e });
  }
  throw e;
}
