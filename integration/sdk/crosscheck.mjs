// crosscheck.mjs runs the providers' official SDKs for integration/sdk_test.go.
//
// stdin: a JSON array of cases
//
//   {"provider": "stripe", "op": "sign" | "verify", "secret": "…",
//    "body": "…" (the raw body, UTF-8), "headers": {"lower-case-name": "value"},
//    "now": <unix seconds>, "id": "msg id to sign (svix, standardwebhooks)",
//    "url": "the full URL of the request (square, twilio, hubspot)",
//    "target": "the request target, path and query (mercadopago)",
//    "public_key": "Braintree's public key; SendGrid's (base64 DER) and Discord's (hex) verification key"}
//
// stdout: the line "ready" once the SDKs are loaded, then a JSON array of
// results, one per case, in order
//
//   {"ok": true | false, "error": "why not", "headers": {…} (sign),
//    "body": "…" (sign, where the signature travels in the body: adyen, braintree),
//    "target": "…" (sign, where it changes the URL: twilio's bodySHA256),
//    "event": {"id": "…", "type": "…"} (verify, where the SDK parses the event)}
//
// "sign" uses the SDK's own signing function to build the headers the
// provider would send; "verify" asks the SDK whether the request is genuine.
// Only the SDKs' documented verify and sign entry points are called; nothing
// here computes a signature itself.
import { createRequire } from 'node:module';

import Stripe from 'stripe';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { Paddle } from '@paddle/paddle-node-sdk';
import { encodeSignatureHeader, isValidSignature as sanityIsValid } from '@sanity/webhook';
import { WebhookEventVerifier as OnfidoVerifier } from '@onfido/api';
import { verifySignature as gocardlessVerify, parse as gocardlessParse } from 'gocardless-nodejs';
import { Resend } from 'resend';
import { verifyWebhook as clerkVerifyWebhook } from '@clerk/backend/webhooks';
import { LinearWebhookClient } from '@linear/sdk/webhooks';
import '@shopify/shopify-api/adapters/web-api';
import { shopifyApi, ApiVersion as ShopifyApiVersion, LogSeverity as ShopifyLogSeverity } from '@shopify/shopify-api';
import { SignatureValidator as MollieSignatureValidator } from 'mollie-api-typescript';
import { WebhooksManager as BoxWebhooksManager } from 'box-node-sdk/lib/managers/webhooks';

const require = createRequire(import.meta.url);
const { Webhook: SvixWebhook } = require('svix');
const { Webhook: StandardWebhook } = require('standardwebhooks');
const Razorpay = require('razorpay');
const { WebhooksHelper: SquareWebhooksHelper } = require('square');
const { Webhook: CoinbaseWebhook } = require('coinbase-commerce-node');
const twilio = require('twilio');
const { Signature: HubSpotSignature } = require('@hubspot/api-client');
const { hmacValidator: AdyenHmacValidator } = require('@adyen/api-library');
const braintree = require('braintree');
const { WebhookSignatureValidator: MercadoPagoValidator } = require('mercadopago');
const { EventWebhook: SendGridEventWebhook } = require('@sendgrid/eventwebhook');
const { verifyKey: discordVerifyKey } = require('discord-interactions');
const { Cashfree, CFEnvironment } = require('cashfree-pg');
const { verifySlackRequest } = require('@slack/bolt');

// Dummy API keys: constructing the clients makes no request.
const paddle = new Paddle('pdl_sdbx_apikey_crosscheck_not_a_real_key');
const resend = new Resend('re_crosscheck_not_a_real_key');

const adyenHmac = new AdyenHmacValidator();

// A Shopify app configuration for the case's secret: validating a webhook
// makes no request. Its logger writes to stdout unless told otherwise, so it
// logs errors only, to stderr.
const shopify = (c) => shopifyApi({
  apiKey: 'sdkcrosscheckapikey',
  apiSecretKey: c.secret,
  apiVersion: ShopifyApiVersion.October25,
  hostName: 'example.com',
  isEmbeddedApp: false,
  logger: { level: ShopifyLogSeverity.Error, log: (_severity, message) => { process.stderr.write(`shopify: ${message}\n`); } },
});

// A Cashfree client for the case's client secret, with the SDK's error
// analytics (Sentry, on by default) off: verifying a webhook makes no
// request.
const cashfree = (c) => new Cashfree(CFEnvironment.SANDBOX, 'sdkcrosscheckclientid', c.secret, undefined, undefined, undefined, false);

// A Braintree gateway for the case's key pair: the sandbox configuration
// makes no request to parse or sign a webhook notification.
const braintreeGateway = (c) => new braintree.BraintreeGateway({
  environment: braintree.Environment.Sandbox,
  merchantId: 'sdkcrosscheckmerchant',
  publicKey: c.public_key,
  privateKey: c.secret,
});

// formParams reads a form body the way Express's urlencoded parser hands
// it to twilio.validateRequest: a repeated name becomes an array.
const formParams = (body) => {
  const params = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if (k in params) params[k] = [].concat(params[k], v);
    else params[k] = v;
  }
  return params;
};

// adyenItems are the NotificationRequestItems of an Adyen notification.
const adyenItems = (doc) => doc.notificationItems.map((w) => w.NotificationRequestItem);

const need = (h, name) => {
  const v = h[name];
  if (v === undefined) throw new Error(`missing header ${name}`);
  return v;
};

// Each provider: sign(c) → headers (absent when the SDK cannot sign),
// verify(c) → {ok, event?}.
const providers = {
  stripe: {
    sign: (c) => ({
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({
        payload: c.body, secret: c.secret, timestamp: c.now,
      }),
    }),
    // constructEvent throws unless the signature and the 300 s tolerance hold;
    // receivedAt (ms) is the case's clock.
    verify: (c) => {
      const ev = Stripe.webhooks.constructEvent(c.body, need(c.headers, 'stripe-signature'), c.secret, 300, undefined, c.now * 1000);
      return { ok: true, event: { id: ev.id, type: ev.type } };
    },
  },
  svix: {
    sign: (c) => ({
      'svix-id': c.id,
      'svix-timestamp': String(c.now),
      'svix-signature': new SvixWebhook(c.secret).sign(c.id, new Date(c.now * 1000), c.body),
    }),
    verify: (c) => {
      const ev = new SvixWebhook(c.secret).verify(c.body, c.headers);
      return { ok: true, event: { type: ev.type } };
    },
  },
  standardwebhooks: {
    sign: (c) => ({
      'webhook-id': c.id,
      'webhook-timestamp': String(c.now),
      'webhook-signature': new StandardWebhook(c.secret).sign(c.id, new Date(c.now * 1000), c.body),
    }),
    verify: (c) => {
      const ev = new StandardWebhook(c.secret).verify(c.body, c.headers);
      return { ok: true, event: { type: ev.type } };
    },
  },
  sendgrid: {
    // The SDK only verifies: SendGrid keeps the private key.
    verify: (c) => {
      const ew = new SendGridEventWebhook();
      return {
        ok: ew.verifySignature(ew.convertPublicKeyToECDSA(c.public_key), c.body,
          need(c.headers, 'x-twilio-email-event-webhook-signature'), need(c.headers, 'x-twilio-email-event-webhook-timestamp')),
      };
    },
  },
  discord: {
    // The SDK only verifies: Discord keeps the private key.
    verify: async (c) => ({
      ok: await discordVerifyKey(c.body, need(c.headers, 'x-signature-ed25519'), need(c.headers, 'x-signature-timestamp'), c.public_key),
    }),
  },
  github: {
    sign: async (c) => ({ 'x-hub-signature-256': await octokitSign(c.secret, c.body) }),
    verify: async (c) => ({ ok: await octokitVerify(c.secret, c.body, need(c.headers, 'x-hub-signature-256')) }),
  },
  razorpay: {
    verify: (c) => ({ ok: Razorpay.validateWebhookSignature(c.body, need(c.headers, 'x-razorpay-signature'), c.secret) }),
  },
  square: {
    verify: async (c) => ({
      ok: await SquareWebhooksHelper.verifySignature({
        requestBody: c.body,
        signatureHeader: need(c.headers, 'x-square-hmacsha256-signature'),
        signatureKey: c.secret,
        notificationUrl: c.url,
      }),
    }),
  },
  paddle: {
    // The SDK checks the signature and that ts is at most 5 s old (real clock).
    verify: async (c) => ({ ok: await paddle.webhooks.isSignatureValid(c.body, c.secret, need(c.headers, 'paddle-signature')) }),
  },
  coinbase: {
    sign: (c) => ({ 'x-cc-webhook-signature': CoinbaseWebhook.computeSignature(c.body, c.secret) }),
    verify: (c) => {
      const ev = CoinbaseWebhook.verifyEventBody(c.body, need(c.headers, 'x-cc-webhook-signature'), c.secret);
      return { ok: true, event: { id: ev.id, type: ev.type } };
    },
  },
  gocardless: {
    verify: (c) => {
      gocardlessVerify(c.body, c.secret, need(c.headers, 'webhook-signature'));
      const events = gocardlessParse(c.body, c.secret, c.headers['webhook-signature']);
      return { ok: true, event: { id: events[0].id, type: events[0].action } };
    },
  },
  sanity: {
    // t is in milliseconds.
    sign: async (c) => ({ 'sanity-webhook-signature': await encodeSignatureHeader(c.body, c.now * 1000, c.secret) }),
    verify: async (c) => ({ ok: await sanityIsValid(c.body, need(c.headers, 'sanity-webhook-signature'), c.secret) }),
  },
  onfido: {
    verify: (c) => {
      const ev = new OnfidoVerifier(c.secret).readPayload(c.body, need(c.headers, 'x-sha2-signature'));
      return { ok: true, event: { type: ev.payload?.action } };
    },
  },
  resend: {
    verify: (c) => {
      const ev = resend.webhooks.verify({
        payload: c.body,
        headers: {
          id: need(c.headers, 'svix-id'),
          timestamp: need(c.headers, 'svix-timestamp'),
          signature: need(c.headers, 'svix-signature'),
        },
        webhookSecret: c.secret,
      });
      return { ok: true, event: { type: ev.type } };
    },
  },
  clerk: {
    verify: async (c) => {
      const req = new Request('https://example.com/hooks', { method: 'POST', headers: c.headers, body: c.body });
      const ev = await clerkVerifyWebhook(req, { signingSecret: c.secret });
      return { ok: true, event: { type: ev.type } };
    },
  },
  twilio: {
    // A form body: the URL and the sorted parameters. Any other body:
    // bodySHA256 (getExpectedBodyHash) in the query, and the URL alone.
    sign: (c) => {
      if (c.headers?.['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        return { headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature(c.secret, c.url, formParams(c.body)) } };
      }
      const u = new URL(c.url);
      u.searchParams.set('bodySHA256', twilio.getExpectedBodyHash(c.body));
      return {
        headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature(c.secret, u.toString(), null) },
        target: u.pathname + u.search,
      };
    },
    verify: (c) => {
      const sig = need(c.headers, 'x-twilio-signature');
      if (c.url.includes('bodySHA256')) return { ok: twilio.validateRequestWithBody(c.secret, sig, c.url, c.body) };
      return { ok: twilio.validateRequest(c.secret, sig, c.url, formParams(c.body)) };
    },
  },
  hubspot: {
    // Signature v3; the timestamp is in milliseconds.
    sign: (c) => {
      const timestamp = c.now * 1000;
      return {
        'x-hubspot-request-timestamp': String(timestamp),
        'x-hubspot-signature-v3': HubSpotSignature.getSignature('POST', 'v3', {
          clientSecret: c.secret, url: c.url, requestBody: c.body, timestamp,
        }),
      };
    },
    // isValid also refuses a timestamp more than 5 minutes old (real clock).
    verify: (c) => ({
      ok: HubSpotSignature.isValid({
        signatureVersion: 'v3', method: 'POST', clientSecret: c.secret, url: c.url, requestBody: c.body,
        signature: need(c.headers, 'x-hubspot-signature-v3'),
        timestamp: Number(need(c.headers, 'x-hubspot-request-timestamp')),
      }),
    }),
  },
  adyen: {
    // Standard notifications: the signature is in each item's
    // additionalData.hmacSignature (calculateHmac / validateHMAC).
    sign: (c) => {
      const doc = JSON.parse(c.body);
      for (const item of adyenItems(doc)) {
        item.additionalData ??= {};
        item.additionalData.hmacSignature = adyenHmac.calculateHmac(item, c.secret);
      }
      return { headers: {}, body: JSON.stringify(doc) };
    },
    verify: (c) => {
      const items = adyenItems(JSON.parse(c.body));
      const ok = items.length > 0 && items.every((item) => adyenHmac.validateHMAC(item, c.secret));
      return { ok, event: { id: items[0].pspReference, type: items[0].eventCode } };
    },
  },
  'adyen-banking': {
    // Balance Platform / Management webhooks: the HmacSignature header.
    sign: (c) => ({ hmacsignature: adyenHmac.calculateHmac(c.body, c.secret) }),
    verify: (c) => ({ ok: adyenHmac.validateHMACSignature(c.secret, need(c.headers, 'hmacsignature'), c.body) }),
  },
  braintree: {
    // webhookTesting.sampleNotification builds and signs a notification of
    // the SDK's own (kind subscription_went_past_due, subscription id c.id).
    sign: (c) => {
      const n = braintreeGateway(c).webhookTesting.sampleNotification('subscription_went_past_due', c.id);
      return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(n).toString() };
    },
    verify: async (c) => {
      const form = new URLSearchParams(c.body);
      const n = await braintreeGateway(c).webhookNotification.parse(form.get('bt_signature'), form.get('bt_payload'));
      return { ok: true, event: { id: n.subscription?.id, type: n.kind } };
    },
  },
  linear: {
    // parseData also refuses a body whose webhookTimestamp is more than
    // a minute from the real clock.
    verify: (c) => {
      const ev = new LinearWebhookClient(c.secret).parseData(Buffer.from(c.body), need(c.headers, 'linear-signature'));
      return { ok: true, event: { type: ev.type } };
    },
  },
  mercadopago: {
    // The manifest signs data.id (from the query), x-request-id and ts; not
    // the body. validate throws unless it holds.
    verify: (c) => {
      const query = new URLSearchParams(c.target.split('?')[1] ?? '');
      MercadoPagoValidator.validate({
        xSignature: need(c.headers, 'x-signature'),
        xRequestId: c.headers['x-request-id'],
        dataId: query.get('data.id'),
        secret: c.secret,
        toleranceSeconds: 300,
      });
      return { ok: true };
    },
  },
  shopify: {
    // validate checks X-Shopify-Hmac-Sha256 over the raw body, then that
    // the topic, shop domain, API version and webhook id headers are there.
    verify: async (c) => {
      const rawRequest = new Request('https://example.com/hooks', { method: 'POST', headers: c.headers, body: c.body });
      const res = await shopify(c).webhooks.validate({ rawBody: c.body, rawRequest });
      return { ok: res.valid, error: res.valid ? undefined : res.reason, event: { id: res.webhookId, type: res.topic } };
    },
  },
  cashfree: {
    // PGVerifyWebhookSignature throws unless the signature of
    // x-webhook-timestamp + body holds; it checks no age.
    verify: (c) => {
      const ev = cashfree(c).PGVerifyWebhookSignature(need(c.headers, 'x-webhook-signature'), c.body, need(c.headers, 'x-webhook-timestamp'));
      return { ok: true, event: { type: ev.type } };
    },
  },
  mollie: {
    // validate returns false without a signature and throws
    // InvalidSignatureException for a wrong one.
    verify: async (c) => ({
      ok: await MollieSignatureValidator.validate(c.body, c.secret, need(c.headers, 'x-mollie-signature')),
    }),
  },
  slack: {
    // verifySlackRequest throws unless the v0 signature holds and the
    // timestamp is at most 5 minutes old; nowMilliseconds is the case's clock.
    verify: (c) => {
      verifySlackRequest({
        signingSecret: c.secret,
        body: c.body,
        headers: {
          'x-slack-signature': need(c.headers, 'x-slack-signature'),
          'x-slack-request-timestamp': Number(need(c.headers, 'x-slack-request-timestamp')),
        },
        nowMilliseconds: c.now * 1000,
      });
      return { ok: true };
    },
  },
  box: {
    // validateMessage checks the primary signature (and the secondary, with
    // its key) of body + box-delivery-timestamp, only under
    // box-signature-version 1 and box-signature-algorithm HmacSHA256, and
    // refuses a delivery timestamp more than 10 minutes old or in the
    // future (real clock).
    verify: async (c) => ({
      ok: await BoxWebhooksManager.validateMessage(c.body, c.headers, c.secret),
    }),
  },
};

async function run(c) {
  const p = providers[c.provider];
  if (!p) return { ok: false, error: `unknown provider ${c.provider}` };
  try {
    if (c.op === 'sign') {
      if (!p.sign) return { ok: false, error: `${c.provider}: the SDK cannot sign` };
      const signed = await p.sign({ ...c, headers: c.headers ?? {} });
      // A sign returns the headers, or {headers, body?, target?}.
      if (signed.headers && typeof signed.headers === 'object') return { ok: true, ...signed };
      return { ok: true, headers: signed };
    }
    if (c.op === 'verify') return await p.verify({ ...c, headers: c.headers ?? {} });
    return { ok: false, error: `unknown op ${c.op}` };
  } catch (e) {
    return { ok: false, error: `${e?.name ?? 'Error'}: ${e?.message ?? e}` };
  }
}

// "ready" tells the caller that every SDK is loaded, so that it signs its
// requests only now: Paddle's SDK refuses a signature older than 5 s.
process.stdout.write('ready\n');
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = [];
for (const c of cases) results.push(await run(c));
process.stdout.write(JSON.stringify(results) + '\n');
