// The clock the push fakes judge JWTs by. node-apn (jsonwebtoken) and firebase-admin
// (google-auth-library) stamp their JWTs with the system clock, never core/clock, and Apple and
// Google judge them by real time too. Under `npm run test:dates` core/clock is shifted by months,
// so fakes reading it would call every fresh token expired: they read the system clock, as the
// real services do.
export function libraryNow(): number {
  // eslint-disable-next-line no-restricted-syntax -- the libraries' clock, see above
  return Date.now();
}
