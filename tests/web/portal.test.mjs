// Browser tests of the portal (web/) against a running `dorf serve`, in Debian's Chromium
// driven by playwright-core, WebGL through SwiftShader. tests/web/run.sh starts the server
// and passes DORF_BASE (http://127.0.0.1:PORT), DORF_WEB_ARTEFACTS (screenshots go there),
// CHROMIUM and DORF_WEB_DIR. The scenarios build on each other, in order: a citizen
// registers and orders (pickup and delivery), the shop owner moves the delivery order to
// LieferBar, a volunteer plans, accepts and delivers it. Every request the browser makes is
// recorded; any to a host other than 127.0.0.1 fails the run (and is not let through).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.DORF_BASE;
const artefacts = process.env.DORF_WEB_ARTEFACTS;
const webDir = process.env.DORF_WEB_DIR;
const host = new URL(base).host;
mkdirSync(artefacts, { recursive: true });

const outside = [];
let browser;
const seed = {};

async function call(method, path, body, token) {
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
}

async function account(email, name, roles) {
    const password = 'correct horse battery';
    await call('POST', '/api/register', { email, name, password, roles });
    const { token, user } = await call('POST', '/api/login', { email, password });
    return { email, password, token, user };
}

async function newPage(locale = 'de-DE') {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
    // Record every request; let through only this server's.
    await context.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.protocol === 'data:' || url.protocol === 'blob:' || url.host === host)
            return route.continue();
        outside.push(url.href);
        return route.abort();
    });
    context.on('request', (r) => {
        const url = new URL(r.url());
        if (!['data:', 'blob:'].includes(url.protocol) && url.hostname !== '127.0.0.1')
            outside.push(url.href);
    });
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    return page;
}

async function shot(page, name) {
    await page.screenshot({ path: join(artefacts, `${name}.png`) });
}

async function logIn(page, who) {
    await page.goto(`${base}/#/login`);
    await page.fill('#login-email', who.email);
    await page.fill('#login-password', who.password);
    await page.click('#login-submit');
    await page.waitForFunction(() => sessionStorage.getItem('dorf.token'));
}

// Distinct colours on the map's canvas, read right after MapLibre renders a frame (the
// drawing buffer is still intact then, without preserveDrawingBuffer).
async function mapColours(page) {
    return page.evaluate(
        () =>
            new Promise((resolve) => {
                const { map } = window.dorf;
                map.once('render', () => {
                    const src = map.getCanvas();
                    const c = document.createElement('canvas');
                    c.width = 200;
                    c.height = 200;
                    const g = c.getContext('2d');
                    g.drawImage(src, 0, 0, 200, 200);
                    const data = g.getImageData(0, 0, 200, 200).data;
                    const seen = new Set();
                    for (let i = 0; i < data.length; i += 4)
                        seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
                    resolve(seen.size);
                });
                map.triggerRepaint();
            }),
    );
}

before(async () => {
    browser = await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        args: [
            '--use-gl=angle',
            '--use-angle=swiftshader',
            '--enable-unsafe-swiftshader',
            '--disable-gpu-sandbox',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--disable-domain-reliability',
        ],
    });
    seed.shop = await account('laden@example.org', 'Dorfladen Test', ['shop']);
    seed.volunteer = await account('vera@example.org', 'Vera', ['volunteer']);
    seed.neighbour = await account('nachbar@example.org', 'Nachbar', ['citizen']);
    const grocery = (await call('GET', '/api/places?category=grocery'))[0];
    assert.ok(grocery, 'the region has a grocery');
    seed.shopRow = await call(
        'POST',
        '/api/shops',
        { osm_type: grocery.osm_type, osm_id: grocery.osm_id },
        seed.shop.token,
    );
    for (const p of [
        { name: 'Bauernbrot', price_cents: 420, unit: 'Laib', stock: 20 },
        { name: 'Milch', price_cents: 129, unit: 'Liter', stock: 40 },
    ])
        await call('POST', `/api/shops/${seed.shopRow.id}/products`, p, seed.shop.token);
    seed.citizen = { email: 'anna@example.org', password: 'correct horse battery', name: 'Anna' };
});

after(async () => {
    if (browser) await browser.close();
});

test('index.html names the MapLibre version that package-lock.json pins', async () => {
    const lock = JSON.parse(readFileSync(join(webDir, 'package-lock.json'), 'utf8'));
    const pinned = lock.packages['node_modules/maplibre-gl'].version;
    const html = await (await fetch(`${base}/`)).text();
    const named = [...html.matchAll(/\/vendor\/maplibre-gl\/[\w.-]+\?v=([\w.-]+)/g)].map(
        (m) => m[1],
    );
    assert.equal(named.length, 2);
    for (const v of named) assert.equal(v, pinned);
    const js = await fetch(`${base}/vendor/maplibre-gl/maplibre-gl.js?v=${pinned}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('cache-control'), /immutable/);
    assert.match(
        await js.text(),
        new RegExp(`maplibre-gl.*${pinned.replace(/\./g, '\\.')}|${pinned.replace(/\./g, '\\.')}`),
    );
});

test('German by default, switchable to English, English for English browsers', async () => {
    const page = await newPage('de-DE');
    await page.goto(`${base}/`);
    await page.waitForSelector('#place-list li');
    assert.equal(await page.textContent('#nav a[data-view="places"]'), 'Läden & Dienste');
    assert.equal(await page.textContent('#panel h1'), 'Läden und Dienste');
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    await page.selectOption('#lang', 'en');
    await page.waitForFunction(
        () => document.querySelector('#panel h1')?.textContent === 'Shops and services',
    );
    assert.equal(await page.textContent('#nav a[data-view="places"]'), 'Shops & services');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.waitForFunction(() =>
        /OpenStreetMap contributors.*ODbL/.test(
            document.querySelector('.maplibregl-ctrl-attrib')?.textContent,
        ),
    );
    await shot(page, 'places-en');
    await page.context().close();

    const en = await newPage('en-US');
    await en.goto(`${base}/`);
    await en.waitForSelector('#place-list li');
    assert.equal(await en.textContent('#panel h1'), 'Shops and services');
    await en.context().close();
});

test('the map draws: the canvas is not blank, tiles load when the server has them', async () => {
    const page = await newPage();
    const tiles = [];
    page.on('response', (r) => {
        if (r.url().includes('/tiles/')) tiles.push([r.url(), r.status()]);
    });
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.dorf && window.dorf.map && window.dorf.map.loaded());
    await page.waitForFunction(() => window.dorf.map.areTilesLoaded());
    await page.waitForTimeout(500);
    const colours = await mapColours(page);
    await shot(page, 'map');
    assert.match(await page.textContent('.maplibregl-ctrl-attrib'), /OpenStreetMap/);
    const style = tiles.find(([url]) => url.endsWith('/tiles/style.json'));
    if (style && style[1] === 200) {
        const mvt = tiles.filter(([url, status]) => url.includes('.mvt') && status === 200);
        assert.ok(
            mvt.length > 0,
            `vector tiles were requested and served: ${JSON.stringify(tiles)}`,
        );
        assert.ok(colours >= 8, `the map shows a base map (${colours} colours)`);
    } else {
        // Without tiles the map still shows its background and the places overlay.
        console.log('# /tiles/style.json is not served yet: checked the overlay only');
        assert.ok(colours >= 3, `the map shows the places (${colours} colours)`);
    }
    assert.deepEqual(page.errors, []);
    await page.context().close();
});

test('a citizen registers and orders: pickup, and delivery to a point on the map', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/login`);
    // Every form control has a label (accessibility).
    const unlabelled = await page.$$eval('input, select, textarea', (els) =>
        els
            .filter((e) => !e.labels?.length && !e.getAttribute('aria-label'))
            .map((e) => e.id || e.name),
    );
    assert.deepEqual(unlabelled, []);
    await page.fill('#reg-name', seed.citizen.name);
    await page.fill('#reg-email', seed.citizen.email);
    await page.fill('#reg-password', seed.citizen.password);
    await page.click('#reg-submit');
    await page.waitForFunction(() => document.querySelector('#who')?.textContent.includes('Anna'));

    // Find the shop through the category filter and the list.
    await page.waitForSelector('#place-list li');
    await page.selectOption('#category', 'grocery');
    await page.click(`#place-list a[href="#/shop/${seed.shopRow.id}"]`);
    await page.waitForSelector('#order-form');
    await page.fill('input[id^="qty-"] >> nth=0', '2');
    assert.match(await page.textContent('#order-total'), /8,40/);
    await shot(page, 'shop');
    await page.click('#place-order');
    await page.waitForSelector('#my-orders .card');
    assert.equal(await page.locator('#my-orders .card').count(), 1);
    assert.match(await page.textContent('#my-orders .card'), /aufgegeben/);

    // The second order is delivered by LieferBar to a point chosen on the map.
    await page.goto(`${base}/#/shop/${seed.shopRow.id}`);
    await page.waitForSelector('#order-form');
    await page.fill('input[id^="qty-"] >> nth=1', '3');
    await page.check('#how-delivery');
    await page.click('#pick-dropoff');
    const box = await page.locator('#map canvas').boundingBox();
    await page.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.55);
    await page.waitForFunction(() =>
        /\d+\.\d+, \d+\.\d+/.test(document.querySelector('#dropoff-where').textContent),
    );
    await shot(page, 'shop-delivery');
    await page.click('#place-order');
    await page.waitForFunction(() => document.querySelectorAll('#my-orders .card').length === 2);
    assert.match(await page.textContent('#my-orders'), /Lieferung/);
    await shot(page, 'orders');
    const token = await page.evaluate(() => sessionStorage.getItem('dorf.token'));
    seed.citizen.token = token;
    const orders = await call('GET', '/api/orders', undefined, token);
    assert.equal(orders.length, 2);
    const delivery = orders.find((o) => o.delivery);
    assert.ok(delivery && delivery.dropoff, 'the delivery order has a drop-off point');
    assert.ok(
        Math.abs(delivery.dropoff.lat - 50) < 0.2 && Math.abs(delivery.dropoff.lon - 11.5) < 0.3,
    );
    seed.deliveryOrder = delivery.id;
    seed.pickupOrder = orders.find((o) => !o.delivery).id;
    assert.deepEqual(page.errors, []);
    await page.context().close();
});

test('the shop owner sees the orders and hands the delivery order to LieferBar', async () => {
    const page = await newPage();
    await logIn(page, seed.shop);
    await page.waitForSelector(`#incoming-${seed.shopRow.id} .card`);
    assert.equal(await page.locator(`#incoming-${seed.shopRow.id} .card`).count(), 2);
    const card = (id) => `#incoming-${seed.shopRow.id} [data-order="${id}"]`;
    for (const move of ['accepted', 'ready', 'handed_over']) {
        await page.click(`${card(seed.deliveryOrder)} button[data-move="${move}"]`);
        await page.waitForSelector(`${card(seed.deliveryOrder)}[data-state="${move}"]`);
    }
    await page.click(`${card(seed.pickupOrder)} button[data-move="accepted"]`);
    await page.waitForSelector(`${card(seed.pickupOrder)}[data-state="accepted"]`);
    await shot(page, 'myshop');
    const order = await call(
        'GET',
        `/api/orders/${seed.deliveryOrder}`,
        undefined,
        seed.shop.token,
    );
    assert.equal(order.state, 'handed_over');
    assert.ok(order.parcel_id, 'handing over made a parcel');
    seed.parcel = order.parcel_id;
    assert.deepEqual(page.errors, []);
    await page.context().close();
});

test('a volunteer plans a route, sees it on the map, accepts it and delivers', async () => {
    const page = await newPage();
    await logIn(page, seed.volunteer);
    await page.waitForSelector(`#open-parcels [data-parcel="${seed.parcel}"]`);
    await page.click('#avail-save');
    await page.waitForFunction(() => document.querySelector('#avail-info').textContent.length > 0);
    await page.click('#plan-route');
    await page.waitForSelector('#route-stops li', { timeout: 60000 });
    const kinds = await page.$$eval('#route-stops li', (lis) => lis.map((li) => li.dataset.kind));
    assert.ok(kinds.includes('pickup') && kinds.includes('dropoff'), `stops: ${kinds}`);
    // The route is drawn: its line is among the rendered features.
    await page.waitForFunction(
        () => window.dorf.map.queryRenderedFeatures({ layers: ['dorf-route-1'] }).length > 0,
    );
    await page.waitForTimeout(300);
    await shot(page, 'route');
    await page.click('#accept-route');
    await page.waitForSelector(`#my-parcels [data-parcel="${seed.parcel}"][data-state="claimed"]`);
    await page.click(`#my-parcels [data-parcel="${seed.parcel}"] button[data-act="picked-up"]`);
    await page.waitForSelector(
        `#my-parcels [data-parcel="${seed.parcel}"][data-state="picked_up"]`,
    );
    await page.click(`#my-parcels [data-parcel="${seed.parcel}"] button[data-act="delivered"]`);
    await page.waitForFunction(
        (id) => !document.querySelector(`#my-parcels [data-parcel="${id}"]`),
        seed.parcel,
    );
    await shot(page, 'delivered');
    const order = await call(
        'GET',
        `/api/orders/${seed.deliveryOrder}`,
        undefined,
        seed.citizen.token,
    );
    assert.equal(order.state, 'delivered');
    assert.deepEqual(page.errors, []);
    await page.context().close();
});

test('DorfFunk shows new posts and replies live, and news and events on the map', async () => {
    const page = await newPage();
    await logIn(page, seed.citizen);
    await page.goto(`${base}/#/funk/help`);
    await page.waitForSelector('#funk-live[data-state="open"]');
    const p = await call(
        'POST',
        '/api/funk/help',
        { title: 'Wer leiht mir eine Leiter?', body: 'Bis Samstag' },
        seed.neighbour.token,
    );
    await page.waitForSelector(`#funk-list [data-post="${p.id}"]`);
    await page.click(`#funk-list [data-post="${p.id}"] details summary`);
    await call(
        'POST',
        `/api/posts/${p.id}/replies`,
        { body: 'Ich habe eine!' },
        seed.neighbour.token,
    );
    await page.waitForFunction(
        (id) =>
            document
                .querySelector(`[data-post="${id}"] .replies`)
                ?.textContent.includes('Ich habe eine!'),
        p.id,
    );
    // Posting from the page reaches the list through the stream too.
    await page.fill('#funk-title', 'Danke');
    await page.fill('#funk-body', 'Das ging schnell.');
    await page.click('#funk-form button[type="submit"]');
    await page.waitForFunction(() =>
        [...document.querySelectorAll('#funk-list strong')].some((s) => s.textContent === 'Danke'),
    );
    await shot(page, 'funk');

    const start = Math.floor(Date.now() / 1000) + 86400;
    const where = seed.shopRow;
    await call(
        'POST',
        '/api/events',
        {
            title: 'Dorffest',
            body: 'Am Anger, ab 18 Uhr',
            starts_at: start,
            ends_at: start + 7200,
            location: { lon: where.lon, lat: where.lat },
        },
        seed.neighbour.token,
    );
    await page.goto(`${base}/#/news`);
    await page.waitForFunction(() =>
        document.querySelector('#event-list')?.textContent.includes('Dorffest'),
    );
    await page.waitForFunction(
        () =>
            window.dorf.map.querySourceFeatures('dorf-posts').length > 0 ||
            window.dorf.map.getSource('dorf-posts')._data?.features?.length > 0,
    );
    await shot(page, 'news');
    assert.deepEqual(page.errors, []);
    await page.context().close();
});

test('no request left 127.0.0.1', () => {
    assert.deepEqual(outside, []);
});
