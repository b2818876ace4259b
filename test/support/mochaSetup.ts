// Loaded by .mocharc.json for every test run.
// The AWS SDK versions are pinned in package-lock.json; its notice that releases after January 2027
// need Node 22 is in the README rather than in every test run's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
