// Where to go after signing in or changing the password: the route's
// ?redirect when it is a path inside the console, never an address elsewhere
// ("//host", "/\host"); otherwise home.
export function redirectTarget(route) {
  const r = route.query.redirect;
  return typeof r === 'string' && /^\/(?![/\\])/.test(r) ? r : '/';
}
