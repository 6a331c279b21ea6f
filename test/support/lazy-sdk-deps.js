/**
 * Preloaded (`node --require`) into the processes the tests start, through NODE_OPTIONS, so
 * their children (the base plan of `plan --base`) get it too: the Pulumi SDK gets the stand-ins
 * of test/support/sdk-stand-ins.js for the TypeScript compiler and npm's arborist, as jest's
 * test files do through moduleNameMapper (jest.config.js). Loading the SDK then costs about half
 * as much; only the SDK's own requests are redirected.
 */
"use strict";
const Module = require("node:module");
const { STAND_INS } = require("./sdk-stand-ins");
const SDK = /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/;

const load = Module._load;
Module._load = function (request, parent, isMain) {
  const standIn = Object.hasOwn(STAND_INS, request) && parent && SDK.test(parent.filename ?? "") ? STAND_INS[request] : undefined;
  return standIn ? load.call(this, standIn, parent, isMain) : load.apply(this, arguments);
};
