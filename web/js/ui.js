// Small DOM helpers. h() builds elements from data without ever parsing it as HTML, so text
// from the API (names, posts) cannot inject markup; toast() shows a status message that
// screen readers announce.

import { t } from './i18n.js';

export function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
        if (value === undefined || value === null || value === false) continue;
        if (key === 'class') el.className = value;
        else if (key.startsWith('on') && typeof value === 'function') {
            el.addEventListener(key.slice(2), value);
        } else if (key === 'dataset') Object.assign(el.dataset, value);
        else if (value === true) el.setAttribute(key, '');
        else el.setAttribute(key, String(value));
    }
    for (const child of children.flat(Infinity)) {
        if (child === undefined || child === null || child === false) continue;
        el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
}

let toastTimer = null;
export function toast(message, kind = 'info') {
    const el = document.getElementById('toast');
    el.textContent = message;
    el.dataset.kind = kind;
    el.classList.add('show');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => el.classList.remove('show'), 5000);
}

export function showError(e) {
    const message = e && e.code === 'network' ? t('error.network') : (e && e.message) || String(e);
    toast(t('error.generic', { message }), 'error');
}

// A badge for an order or parcel state, coloured by how far along it is.
export function stateBadge(state) {
    return h('span', { class: `badge state-${state}` }, t(`state.${state}`));
}

// Runs an async action from a button, disabling it meanwhile and reporting failures.
export async function busy(button, action) {
    button.disabled = true;
    try {
        return await action();
    } catch (e) {
        showError(e);
        return undefined;
    } finally {
        button.disabled = false;
    }
}
