// The portal's start: header (roles, language, session), a hash router that gives each view
// the side panel, and the map beside it. Views live in views/*.js; each exports
// render(panel, ...params) and may return a function that cleans up when the view is left.

import { applyStatic, language, onLanguageChange, setLanguage, t } from './i18n.js';
import { currentUser, logout } from './api.js';
import { clearOverlays, closePopup, initMap, setMarker } from './map.js';
import { showError } from './ui.js';
import * as places from './views/places.js';
import * as shop from './views/shop.js';
import * as orders from './views/orders.js';
import * as myshop from './views/myshop.js';
import * as news from './views/news.js';
import * as funk from './views/funk.js';
import * as deliver from './views/deliver.js';
import * as login from './views/login.js';

const routes = [
    [/^#?\/?$/, places, 'places'],
    [/^#\/shop\/(\d+)$/, shop, 'places'],
    [/^#\/orders$/, orders, 'orders'],
    [/^#\/myshop$/, myshop, 'myshop'],
    [/^#\/news$/, news, 'news'],
    [/^#\/funk\/(\w+)$/, funk, 'funk'],
    [/^#\/deliver$/, deliver, 'deliver'],
    [/^#\/login$/, login, 'login'],
];

const panel = document.getElementById('panel');
let cleanup = null;
let generation = 0;

function updateHeader() {
    const user = currentUser();
    const roles = user ? user.roles : [];
    for (const li of document.querySelectorAll('#nav [data-role]')) {
        const need = li.dataset.role;
        li.hidden = need === 'logged-in' ? !user : !roles.includes(need);
    }
    document.getElementById('who').textContent = user ? t('common.hello', { name: user.name }) : '';
    document.getElementById('login-link').hidden = !!user;
    document.getElementById('logout').hidden = !user;
}

async function route() {
    const hash = window.location.hash || '#/';
    const found = routes.find(([re]) => re.test(hash)) || routes[0];
    const [re, view, navName] = found;
    const params = (hash.match(re) || []).slice(1);
    if (cleanup) {
        try {
            cleanup();
        } catch (e) {
            console.error(e);
        }
        cleanup = null;
    }
    closePopup();
    setMarker(null);
    clearOverlays();
    for (const a of document.querySelectorAll('#nav a')) {
        if (a.dataset.view === navName) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
    }
    const mine = ++generation;
    panel.replaceChildren();
    panel.setAttribute('aria-busy', 'true');
    try {
        const done = await view.render(panel, ...params);
        if (mine === generation) cleanup = typeof done === 'function' ? done : null;
        else if (typeof done === 'function') done();
    } catch (e) {
        showError(e);
    } finally {
        panel.removeAttribute('aria-busy');
    }
}

function start() {
    const select = document.getElementById('lang');
    select.value = language();
    select.addEventListener('change', () => setLanguage(select.value));
    onLanguageChange(() => {
        select.value = language();
        updateHeader();
        route();
    });
    document.getElementById('logout').addEventListener('click', async () => {
        await logout().catch(() => {});
        window.location.hash = '#/';
        updateHeader();
        route();
    });
    window.addEventListener('dorf:session', () => {
        updateHeader();
    });
    window.addEventListener('hashchange', route);
    applyStatic();
    updateHeader();
    initMap(document.getElementById('map'));
    route();
}

start();
