/**
 * The modules the Pulumi SDK requires on load only for serialising functions, and the stand-in
 * that loads each on first use instead: one list for jest's test files (`moduleNameMapper` in
 * jest.config.js and jest.e2e.config.js) and for the processes the tests start
 * (test/support/lazy-sdk-deps.js).
 */
"use strict";
const path = require("node:path");

const STAND_INS = {
  typescript: path.join(__dirname, "lazy-typescript.js"),
  "@npmcli/arborist": path.join(__dirname, "lazy-arborist.js"),
};

/** The same list as jest's moduleNameMapper: each name exactly, to its stand-in. */
const moduleNameMapper = Object.fromEntries(Object.entries(STAND_INS).map(([name, file]) => [`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, file]));

module.exports = { STAND_INS, moduleNameMapper };
