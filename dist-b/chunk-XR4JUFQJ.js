import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/cli/commands/index.ts
var COMMANDS = [
  ["lint", async () => [(await import("./lint-VIZELAYU.js")).registerLint]],
  ["run", async () => [(await import("./run-HPIB3RED.js")).registerRun]],
  ["exec", async () => [(await import("./exec-OWKEFR6B.js")).registerExec]],
  ["pull", async () => [(await import("./pull-D62W43DL.js")).registerPull]],
  ["push", async () => [(await import("./push-3RVOIMDL.js")).registerPush]],
  ["images", async () => [(await import("./images-QTGNL3MG.js")).registerImages]],
  [
    "image",
    async () => [
      (await import("./image-import-QWQ7QMNM.js")).registerImageImport,
      (await import("./image-save-H2NPLXXW.js")).registerImageSave,
      (await import("./image-build-YEYLWAUL.js")).registerImageBuild,
      (await import("./image-inspect-SP2OLPQ6.js")).registerImageInspect,
      (await import("./image-prune-VN2ZRORW.js")).registerImagePrune
    ]
  ],
  ["rmi", async () => [(await import("./rmi-UXRJNL3Q.js")).registerRmi]],
  ["daemon", async () => [(await import("./daemon-HVOQFW46.js")).registerDaemon]],
  ["apply", async () => [(await import("./apply-Z3H42T7Z.js")).registerApply]],
  ["get", async () => [(await import("./get-EJPITELV.js")).registerGet]],
  ["describe", async () => [(await import("./describe-YRZMLU26.js")).registerDescribe]],
  ["logs", async () => [(await import("./logs-DIRQIQA5.js")).registerLogs]],
  ["delete", async () => [(await import("./delete-ZTTDOHAC.js")).registerDelete]],
  ["top", async () => [(await import("./top-NHU5UVGX.js")).registerTop]],
  ["events", async () => [(await import("./events-MX5E7KVG.js")).registerEvents]],
  ["install", async () => [(await import("./install-LL7QM3BW.js")).registerInstall]],
  ["completion", async () => [(await import("./completion-JYYCEM5J.js")).registerCompletion]]
];
async function loadCommands(argv) {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) return [];
  const first = argv.find((a) => !a.startsWith("-"));
  const match = COMMANDS.find(([name]) => name === first);
  const wanted = match ? [match] : COMMANDS;
  return (await Promise.all(wanted.map(([, load]) => load()))).flat();
}

export {
  COMMANDS,
  loadCommands
};
