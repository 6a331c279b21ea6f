/**
 * Preloaded (`node --require`) into the processes the tests start, through NODE_OPTIONS, so
 * their children (the base plan of `plan --base`) get it too: the Pulumi SDK gets the stand-ins
 * of test/support/lazy-typescript.js and lazy-arborist.js for the TypeScript compiler and npm's
 * arborist, as jest's test files do through moduleNameMapper (jest.config.js). Loading the SDK
 * then costs about half as much; only the SDK's own requests are redirected.
 */
"use strict";
const Module = require("node:module");
const path = require("node:path");

const STAND_INS = { typescript: path.join(__dirname, "lazy-typescript.js"), "@npmcli/arborist": path.join(__dirname, "lazy-arborist.js") };
const SDK = /[\\/]node_modules[\\/]@pulumi[\\/]pulumi[\\/]/;

const load = Module._load;
Module._load = function (request, parent, isMain) {
  const standIn = Object.hasOwn(STAND_INS, request) && parent && SDK.test(parent.filename ?? "") ? STAND_INS[request] : undefined;
  return standIn ? load.call(this, standIn, parent, isMain) : load.apply(this, arguments);
};
