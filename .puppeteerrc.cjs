// @asyncapi/generator pulls in puppeteer; its browser download cannot reach its host here and is
// not needed to render HTML docs, so skip it (keeps `npm install` working on a fresh clone).
module.exports = { skipDownload: true };
