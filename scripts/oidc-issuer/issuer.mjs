// A local OpenID Connect issuer for the tests (issue 14: "OIDC sign-in
// against any issuer, tested against a local one"): panva's oidc-provider,
// a certified OpenID Provider, with open dynamic client registration (each
// test registers the redirect URI of its own shop) and a one-field sign-in
// page in place of a real user store.
//
// The login typed into that page names the person: "SUBJECT/EMAIL/yes|no"
// (the issuer's stable id, the e-mail, whether the issuer vouches for it);
// a bare "SUBJECT" is its own e-mail, verified. The same subject may come
// back with another e-mail. The e-mail reaches the shop through userinfo,
// as with many issuers (the ID token keeps only what the spec requires).
//
// node scripts/oidc-issuer/issuer.mjs PORT   (after npm ci in this folder)
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 9400);
const issuer = `http://127.0.0.1:${port}`;
const people = new Map();

function person(login) {
  const [sub, email = sub, verified = 'yes'] = login.split('/');
  return { sub, email, email_verified: verified === 'yes' };
}

const provider = new Provider(issuer, {
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  scopes: ['openid', 'email'],
  pkce: { required: () => true },
  cookies: { keys: ['storefront-local-issuer'] },
  async findAccount(ctx, sub) {
    return { accountId: sub, claims: async () => people.get(sub) ?? person(sub) };
  },
  // Grant what the shop asks for without a consent screen, as a first-party
  // issuer (Cognito's hosted UI) does.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email');
    await grant.save();
    return grant;
  },
});

// The sign-in page: GET shows the form, POST finishes the interaction.
provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([\w-]+)$/);
  if (!m) return next();
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = `<form method="post" action="/interaction/${m[1]}"><input name="login" required><button>Sign in</button></form>`;
    return undefined;
  }
  let body = '';
  for await (const chunk of ctx.req) body += chunk;
  const login = new URLSearchParams(body).get('login') ?? '';
  const p = person(login);
  people.set(p.sub, p);
  await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: p.sub } }, { mergeWithLastSubmission: false });
  ctx.respond = false;
  return undefined;
});

// Browsers ask every origin for /favicon.ico; answered, so a browser test
// that fails on any console error does not fail on the issuer's missing icon.
provider.use(async (ctx, next) => {
  if (ctx.path === '/favicon.ico') {
    ctx.status = 204;
    return;
  }
  await next();
});

provider.listen(port, '127.0.0.1', () => console.log(`local OIDC issuer at ${issuer}`));
