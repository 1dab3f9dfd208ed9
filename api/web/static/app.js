/* Invoice review pages: sign-in, archive search, upload (index.html) and one invoice (invoice.html).
 * Plain browser JavaScript, no build step, nothing loaded from outside. Every value from the API is put into
 * the page as text (textContent), never as HTML: OCR text is untrusted input.
 */
"use strict";

const KEY_STORE = "invoiceCapture.apiKey";
const FLASH_STORE = "invoiceCapture.flash";
const SEARCH_STORE = "invoiceCapture.lastSearch";
const LOW_CONFIDENCE = 0.9;
const POLL_MS = 1000;

const FIELDS = [
  ["invoice_type", "发票类型", "Type"],
  ["invoice_code", "发票代码", "Code"],
  ["invoice_number", "发票号码", "Number"],
  ["date", "开票日期", "Date (YYYY-MM-DD)"],
  ["amount_excl_tax", "金额（不含税）", "Amount excl. tax"],
  ["tax", "税额", "Tax"],
  ["total", "价税合计", "Total incl. tax"],
  ["total_in_words", "价税合计（大写）", "Total in words"],
  ["check_code", "校验码", "Check code"],
  ["machine_number", "机器编号", "Machine number"],
  ["buyer_name", "购买方名称", "Buyer name"],
  ["buyer_tax_id", "购买方纳税人识别号", "Buyer tax ID"],
  ["seller_name", "销售方名称", "Seller name"],
  ["seller_tax_id", "销售方纳税人识别号", "Seller tax ID"],
  ["currency", "币种", "Currency"],
  ["remarks", "备注", "Remarks"],
];
const FIELD_LABEL = Object.fromEntries(FIELDS.map(([n, zh, en]) => [n, `${zh} ${en}`]));
const LINE_LABEL = {
  name: "项目名称 name", spec: "规格型号 spec", unit: "单位 unit", quantity: "数量 quantity",
  unit_price: "单价 unit price", amount: "金额 amount", tax_rate: "税率 tax rate", tax: "税额 tax",
};
const INVOICE_TYPES = {
  "01": "增值税专用发票", "03": "机动车销售统一发票", "04": "增值税普通发票", "08": "增值税电子专用发票",
  "10": "增值税电子普通发票", "11": "增值税普通发票（卷式）", "14": "增值税电子普通发票（通行费）",
  "15": "二手车销售统一发票", "31": "电子发票（增值税专用发票）", "32": "电子发票（普通发票）",
  "51": "铁路电子客票", "61": "航空运输电子客票行程单", "85": "数电纸质发票（增值税专用发票）",
  "86": "数电纸质发票（普通发票）", "87": "数电纸质发票（机动车销售统一发票）",
  "88": "数电纸质发票（二手车销售统一发票）", receipt_en: "英文发票 English invoice",
};
const STATUS = { accepted: ["已通过", "Accepted", "good"], needs_review: ["待复核", "Needs review", "warn"] };
const VERIFICATION = {
  not_checked: ["未查验", "Not checked", "neutral"], pending: ["待查验", "Pending", "info"],
  verified: ["查验一致", "Verified", "good"], mismatch: ["查验不符", "Mismatch", "bad"],
  not_found: ["查无此票", "Not found", "warn"], voided: ["已作废", "Voided", "bad"],
  red_flushed: ["已红冲", "Red-flushed", "bad"], abnormal: ["异常", "Abnormal", "bad"],
};
const JOB = {
  queued: ["排队中", "queued", "info"], running: ["处理中", "running", "info"], done: ["完成", "done", "good"],
  failed: ["失败", "failed", "bad"], refused: ["被拒绝", "refused", "bad"], uploading: ["上传中", "uploading", "neutral"],
};
const SOURCE = {
  qr: ["二维码", "QR"], ocr: ["识别", "OCR"], derived: ["推算", "derived"], human: ["人工", "human"],
  tax: ["税务", "tax"],
};
const ISSUES = {
  invalid_format: "格式不正确 invalid format", missing_field: "缺少字段 missing field",
  unexpected_field: "多余字段 unexpected field", unknown_invoice_type: "未知发票类型 unknown type",
  total_mismatch: "金额+税额≠价税合计 total mismatch", lines_amount_mismatch: "明细金额合计不符 line amounts",
  lines_tax_mismatch: "明细税额合计不符 line taxes", line_qty_price_mismatch: "数量×单价≠金额 qty × price",
  line_tax_mismatch: "金额×税率≠税额 line tax", capitals_mismatch: "大写与小写不符 words ≠ figures",
  capitals_unreadable: "大写金额无法识别 words unreadable", invalid_tax_id: "纳税人识别号无效 invalid tax ID",
  invalid_code: "发票代码无效 invalid code", code_year_mismatch: "代码年份与日期不符 code year",
  code_category_mismatch: "代码类别与类型不符 code category", invalid_number: "发票号码无效 invalid number",
  number_year_mismatch: "号码年份与日期不符 number year", invalid_check_code: "校验码无效 invalid check code",
  region_mismatch: "开票地区与销售方税号地区不符 issuing province ≠ seller's",
  unreadable_field: "有内容但无法识别 printed but unreadable",
  future_date: "日期在未来 future date", date_too_old: "超出查验期限 too old to verify",
  qr_mismatch: "二维码与识别不一致 QR ≠ OCR", low_confidence: "识别置信度低 low confidence",
  duplicate: "重复发票 duplicate",
};
const SORTS = [
  ["-created_at", "最新录入 Newest first"], ["created_at", "最早录入 Oldest first"],
  ["-date", "开票日期 ↓ Date desc"], ["date", "开票日期 ↑ Date asc"],
  ["-total", "金额 ↓ Total desc"], ["total", "金额 ↑ Total asc"],
  ["invoice_number", "号码 Number"], ["seller_name", "销售方 Seller"], ["-updated_at", "最近修改 Recently changed"],
];

/* ---------------------------------------------------------------------------------------------- helpers */

const $ = (sel, root = document) => root.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function show(node, visible = true) { node.hidden = !visible; }

function message(node, text) {
  node.textContent = text || "";
  node.hidden = !text;
}

function badge(map, value, extra = "") {
  const [zh, en, tone] = map[value] || [value ?? "—", "", "neutral"];
  return el("span", { class: `badge ${tone || "neutral"} ${extra}`.trim(), dataset: { value: value ?? "" } },
    zh, en ? el("span", { class: "en" }, ` ${en}`) : null);
}

function setBadge(node, map, value) {
  const fresh = badge(map, value);
  node.className = fresh.className;
  node.dataset.value = fresh.dataset.value;
  node.replaceChildren(...fresh.childNodes);
}

function money(value) {
  if (value === null || value === undefined || value === "") return "";
  const text = String(value);
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!m) return text;
  return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (m[3] || "");
}

function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function typeName(code) {
  if (!code) return "";
  return INVOICE_TYPES[code] ? `${code} ${INVOICE_TYPES[code]}` : code;
}

function plain(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/* ---------------------------------------------------------------------------------------- key and API */

const auth = {
  get key() { return sessionStorage.getItem(KEY_STORE); },
  set key(value) {
    if (value) sessionStorage.setItem(KEY_STORE, value);
    else sessionStorage.removeItem(KEY_STORE);
  },
};

function flashLater(text) { sessionStorage.setItem(FLASH_STORE, text); }

function flashNow(text, tone = "info") {
  const node = $("#flash");
  if (!node) return;
  node.className = `flash ${tone}`;
  message(node, text);
}

function takeFlash() {
  const text = sessionStorage.getItem(FLASH_STORE);
  sessionStorage.removeItem(FLASH_STORE);
  if (text) flashNow(text, "warn");
}

class ApiError extends Error {
  constructor(status, code, detail, body) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.body = body;
  }
}

function explain(err) {
  if (!(err instanceof ApiError)) return `无法连接服务器。Cannot reach the server (${err.message || err}).`;
  const detail = typeof err.detail === "string" ? err.detail : JSON.stringify(err.detail);
  if (err.status === 401) return `API 密钥无效或已吊销（401 ${err.code}）。The API key is missing, unknown or revoked.`;
  if (err.status === 403) return `此密钥的角色无权执行此操作（403）。This key's role may not do this: ${detail}`;
  return `出错了（${err.status} ${err.code || ""}）：${detail}`;
}

async function rawFetch(path, options = {}) {
  const headers = new Headers(options.headers || {});
  if (auth.key) headers.set("X-API-Key", auth.key);
  return fetch(path, { ...options, headers, cache: "no-store" });
}

async function api(path, options = {}) {
  const opts = { ...options };
  if (opts.json !== undefined) {
    opts.body = JSON.stringify(opts.json);
    opts.headers = { ...(opts.headers || {}), "Content-Type": "application/json" };
    delete opts.json;
  }
  const r = await rawFetch(path, opts);
  let body = null;
  const text = await r.text();
  if (text) {
    try { body = JSON.parse(text); } catch { body = { error: { code: "not_json", detail: text.slice(0, 200) } }; }
  }
  if (!r.ok) {
    const e = (body && body.error) || {};
    throw new ApiError(r.status, e.code, e.detail, body);
  }
  return { status: r.status, body };
}

/** A 401 after sign-in: the key was revoked or the tab is stale; sign in again. */
function signedOut(err) {
  if (err instanceof ApiError && err.status === 401) {
    auth.key = null;
    flashLater(explain(err));
    window.location.href = "./";
    return true;
  }
  return false;
}

function initSession() {
  const box = $("#session");
  if (!box) return;
  const key = auth.key;
  show(box, Boolean(key));
  if (key) $("#session-label").textContent = `已登录 Signed in · 密钥 key …${key.slice(-4)}`;
  $("#sign-out").addEventListener("click", () => {
    auth.key = null;
    sessionStorage.removeItem(SEARCH_STORE);
    window.location.href = "./";
  });
}

/* ------------------------------------------------------------------------------------------ index page */

async function initIndex() {
  initSession();
  takeFlash();
  fillSelect($("#f-type"), Object.entries(INVOICE_TYPES).map(([c, n]) => [c, `${c} ${n}`]));
  fillSelect($("#f-status"), Object.entries(STATUS).map(([v, [zh, en]]) => [v, `${zh} ${en}`]));
  fillSelect($("#f-verification"), Object.entries(VERIFICATION).map(([v, [zh, en]]) => [v, `${zh} ${en}`]));
  fillSelect($("#f-sort"), SORTS);
  $("#signin-form").addEventListener("submit", onSignIn);
  $("#search-form").addEventListener("submit", (ev) => { ev.preventDefault(); runSearch(0); });
  $("#reset-button").addEventListener("click", () => { $("#search-form").reset(); runSearch(0); });
  $("#prev-page").addEventListener("click", () => runSearch(Math.max(0, search.offset - search.limit)));
  $("#next-page").addEventListener("click", () => runSearch(search.offset + search.limit));
  $("#upload-form").addEventListener("submit", onUpload);
  $("#results tbody").addEventListener("click", (ev) => {
    const row = ev.target.closest("tr[data-id]");
    if (row && !ev.target.closest("a")) window.location.href = invoiceUrl(row.dataset.id);
  });
  if (!auth.key) {
    showSignIn();
    return;
  }
  await enter();
}

function fillSelect(select, options) {
  for (const [value, label] of options) select.append(el("option", { value }, label));
}

function showSignIn(error) {
  show($("#signin"));
  show($("#archive"), false);
  show($("#session"), false);
  message($("#signin-error"), error);
  $("#api-key").focus();
}

async function onSignIn(ev) {
  ev.preventDefault();
  const key = $("#api-key").value.trim();
  if (!key) return;
  auth.key = key;
  message($("#signin-error"), "");
  flashNow("");
  await enter(true);
}

/** Check the key with a one-row search, then show what this key may use. */
async function enter(fromForm = false) {
  let readable = true;
  try {
    await api("/api/v1/invoices?limit=1");
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) {
      readable = false;
    } else {
      if (err instanceof ApiError && err.status === 401) auth.key = null;
      showSignIn(explain(err));
      return;
    }
  }
  if (fromForm) $("#api-key").value = "";
  show($("#signin"), false);
  show($("#archive"));
  initSession();
  try {  // the key's name and role, for the header
    const { body: me } = await api("/api/v1/keys/me");
    $("#session-label").textContent = `已登录 Signed in · ${me.name} (${me.role}) · 密钥 key …${auth.key.slice(-4)}`;
  } catch { /* the label keeps the key's last characters */ }
  const notice = $("#role-notice");
  if (readable) {
    message(notice, "");
    show($("#search-card"));
    show($("#results").closest(".card"));
    restoreSearch();
    await runSearch(search.offset);
  } else {
    message(notice, "此密钥的角色无权查阅档案（403，需要 reviewer / auditor / admin），只能上传单据。"
      + " This key may not read the archive (403: needs reviewer, auditor or admin); it can upload documents.");
    show($("#search-card"), false);
    show($("#results").closest(".card"), false);
  }
}

const search = { offset: 0, limit: 50, count: 0 };

function restoreSearch() {
  const params = new URLSearchParams(window.location.search);
  const form = $("#search-form");
  for (const [name, value] of params) {
    if (form.elements[name]) form.elements[name].value = value;
  }
  search.offset = Math.max(0, Number.parseInt(params.get("offset") || "0", 10) || 0);
}

function searchParams(offset) {
  const params = new URLSearchParams();
  for (const node of $("#search-form").elements) {
    if (!node.name) continue;
    const value = node.value.trim();
    if (value !== "") params.set(node.name, value);
  }
  if (offset) params.set("offset", String(offset));
  return params;
}

async function runSearch(offset) {
  const params = searchParams(offset);
  const query = params.toString();
  window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
  sessionStorage.setItem(SEARCH_STORE, query);
  message($("#search-error"), "");
  const button = $("#search-button");
  button.disabled = true;
  try {
    const { body } = await api(`/api/v1/invoices?${query}`);
    search.offset = offset;
    search.limit = Number(params.get("limit") || 50);
    search.count = body.count;
    renderResults(body.data);
  } catch (err) {
    if (signedOut(err)) return;
    message($("#search-error"), explain(err));
  } finally {
    button.disabled = false;
  }
}

function invoiceUrl(id) { return `invoice.html?id=${encodeURIComponent(id)}`; }

function renderResults(rows) {
  const tbody = $("#results tbody");
  tbody.replaceChildren(...rows.map((inv) => el("tr", { dataset: { id: inv.id }, tabindex: "-1" },
    el("td", { class: "nowrap" }, inv.date || ""),
    el("td", { title: typeName(inv.invoice_type) }, inv.invoice_type ? inv.invoice_type : ""),
    el("td", { class: "mono" }, inv.invoice_code || ""),
    el("td", { class: "mono" }, el("a", { href: invoiceUrl(inv.id), class: "number" }, inv.invoice_number || "（无号码 no number）")),
    el("td", { class: "ellipsis", title: inv.seller_name || "" }, inv.seller_name || ""),
    el("td", { class: "num mono" }, money(inv.total)),
    el("td", {}, badge(STATUS, inv.status)),
    el("td", {}, badge(VERIFICATION, inv.verification_status)),
    el("td", {}, inv.duplicate_of ? el("span", { class: "badge bad", title: `duplicate of ${inv.duplicate_of}` }, "重复 dup") : ""),
  )));
  show($("#no-results"), rows.length === 0);
  const first = rows.length ? search.offset + 1 : 0;
  const last = search.offset + rows.length;
  $("#result-count").textContent = `共 ${search.count} 张 · ${search.count} invoice(s)`;
  $("#page-info").textContent = search.count ? `${first}–${last} / ${search.count}` : "";
  $("#prev-page").disabled = search.offset <= 0;
  $("#next-page").disabled = last >= search.count;
}

/* ---------------------------------------------------------------------------------------------- upload */

async function onUpload(ev) {
  ev.preventDefault();
  const input = $("#u-files");
  const files = Array.from(input.files || []);
  if (!files.length) return;
  message($("#upload-error"), "");
  const form = new FormData();
  for (const f of files) form.append("files", f, f.name);
  form.append("source", $("#u-source").value);
  const station = $("#u-station").value.trim();
  if (station) form.append("station", station);
  const table = $("#uploads");
  show(table);
  const rows = files.map((f) => uploadRow(f.name));
  $("#uploads tbody").prepend(...rows.map((r) => r.tr));
  const button = $("#upload-button");
  button.disabled = true;
  let results;
  try {
    const { body } = await api("/api/v1/documents", { method: "POST", body: form });
    results = body.documents;
  } catch (err) {
    if (signedOut(err)) return;
    if (err.body && Array.isArray(err.body.documents)) {
      results = err.body.documents;
    } else if (err instanceof ApiError && err.status >= 413 && err.status <= 422 && err.body?.error?.file !== undefined) {
      results = [{ file: err.body.error.file, error: err.body.error }];
    } else {
      message($("#upload-error"), explain(err));
      rows.forEach((r) => r.set("refused", explain(err)));
      return;
    }
  } finally {
    button.disabled = false;
  }
  input.value = "";
  results.forEach((res, i) => {
    const row = rows[i] || uploadRow(res.file || "");
    if (res.error) {
      row.set("refused", `${res.error.code}: ${res.error.detail}`);
      return;
    }
    row.set(res.status, res.created === false ? "已存档的同一文件 already archived (same bytes)" : "");
    row.tr.dataset.documentId = res.id;
    poll(res.status_url, row, res.status);
  });
}

function uploadRow(name) {
  const status = el("td", {}, badge(JOB, "uploading"));
  const detail = el("td", { class: "small" });
  const invoices = el("td", {});
  const tr = el("tr", { class: "upload" }, el("td", { class: "ellipsis file", title: name }, name), status, detail, invoices);
  return {
    tr,
    set(state, text) {
      status.replaceChildren(badge(JOB, state));
      tr.dataset.status = state;
      if (text !== undefined) detail.textContent = text;
    },
    invoices(ids) {
      invoices.replaceChildren(...ids.map((id, i) => el("a", { href: invoiceUrl(id), class: "invoice-link" }, `发票 ${i + 1} invoice`)));
      if (!ids.length) invoices.textContent = "—";
    },
  };
}

function poll(url, row, state) {
  if (state === "done" || state === "failed") return;
  window.setTimeout(async () => {
    let next = state;
    try {
      const { body } = await api(url);
      next = body.status;
      row.set(next, body.error ? `${body.error.code}: ${body.error.detail || ""}` : undefined);
      if (next === "done") row.invoices(body.invoice_ids || []);
    } catch (err) {
      if (signedOut(err)) return;
      row.set(state, explain(err));
    }
    poll(url, row, next);
  }, POLL_MS);
}

/* ---------------------------------------------------------------------------------------- invoice page */

const review = { detail: null, initial: {}, image: { url: null, boxesUrl: null, originalUrl: null, kind: null } };

async function initInvoice() {
  initSession();
  takeFlash();
  const last = sessionStorage.getItem(SEARCH_STORE);
  if (last) $("#back-link").href = `./?${last}`;
  const id = new URLSearchParams(window.location.search).get("id");
  if (!auth.key) {
    flashLater("请先登录。Please sign in first.");
    window.location.href = "./";
    return;
  }
  if (!id) {
    message($("#load-error"), "缺少发票编号（?id=）。No invoice id in the address.");
    return;
  }
  $("#edit-form").addEventListener("submit", (ev) => { ev.preventDefault(); save({}); });
  $("#edit-form").addEventListener("input", onEdit);
  $("#revert-button").addEventListener("click", () => renderFields(review.detail));
  $("#accept-button").addEventListener("click", () => save({ status: "accepted" }));
  $("#review-button").addEventListener("click", () => save({ status: "needs_review" }));
  $("#boxes-toggle").addEventListener("change", () => showImage());
  $("#page-image").addEventListener("click", () => $("#image-wrap").classList.toggle("zoomed"));
  try {
    const { body } = await api(`/api/v1/invoices/${encodeURIComponent(id)}`);
    render(body);
    loadImages(body);
  } catch (err) {
    if (signedOut(err)) return;
    message($("#load-error"), err instanceof ApiError && err.status === 404
      ? `找不到该发票。No such invoice (${id}).` : explain(err));
  }
}

function provenance(detail) {
  const out = {};
  for (const f of detail.fields || []) {
    if (f.line !== null && f.line !== undefined) continue;
    (out[f.field] = out[f.field] || []).push(f);
  }
  for (const list of Object.values(out)) list.sort((a, b) => a.alternative - b.alternative);
  return out;
}

function render(detail) {
  review.detail = detail;
  show($("#invoice"));
  document.title = `${detail.invoice_number || "发票"} · 发票复核 Invoice review`;
  $("#title").replaceChildren(
    typeName(detail.invoice_type) || "发票 Invoice", " ",
    el("span", { class: "mono" }, detail.invoice_number || ""),
  );
  setBadge($("#status-badge"), STATUS, detail.status);
  setBadge($("#verification-badge"), VERIFICATION, detail.verification_status);
  const dup = $("#duplicate-badge");
  show(dup, Boolean(detail.duplicate_of));
  if (detail.duplicate_of) {
    dup.replaceChildren("重复 ", el("span", { class: "en" }, "duplicate of "),
      el("a", { href: invoiceUrl(detail.duplicate_of), id: "duplicate-link" }, detail.duplicate_of.slice(0, 8)));
  }
  renderFacts(detail);
  show($("#accept-button"), detail.status !== "accepted");
  show($("#review-button"), detail.status === "accepted");
  renderFields(detail);
  renderIssues(detail);
  renderLines(detail);
  renderVerification(detail);
  renderHistory(detail);
}

function renderFacts(d) {
  const known = d.min_confidence !== null && d.min_confidence !== undefined;
  const low = known && d.min_confidence < LOW_CONFIDENCE;
  const facts = [
    ["价税合计 Total", money(d.total) || "—"],
    ["开票日期 Date", d.date || "—"],
    ["销售方 Seller", d.seller_name || "—"],
    ["购买方 Buyer", d.buyer_name || "—"],
    ["最低置信度 Min. confidence", known ? d.min_confidence.toFixed(2) : "—", low ? "low" : ""],
    ["单据 Document", `${d.document_id.slice(0, 8)} · 第 ${d.page} 页 page ${d.page}`],
    ["录入 Captured", when(d.created_at)],
    ["更新 Updated", when(d.updated_at)],
  ];
  $("#facts").replaceChildren(...facts.flatMap(([k, v, cls]) => [el("dt", {}, k), el("dd", { class: cls || null }, v)]));
}

function initialValue(detail, name, prov) {
  const column = detail[name];
  if (column !== null && column !== undefined) return String(column);
  const chosen = prov[name] && prov[name][0];
  return chosen && chosen.value !== null ? String(chosen.value) : "";
}

function renderFields(detail) {
  const prov = provenance(detail);
  review.initial = {};
  const rows = FIELDS.map(([name, zh, en]) => {
    const chosen = prov[name] && prov[name][0];
    const value = initialValue(detail, name, prov);
    review.initial[name] = value;
    const attrs = { id: `field-${name}`, name, value, "aria-label": `${zh} ${en}`, spellcheck: "false",
      class: "value-input" };
    let input;
    if (name === "remarks") {
      input = el("textarea", { ...attrs, rows: "2" });
      input.value = value;
    } else {
      input = el("input", { ...attrs, list: name === "invoice_type" ? "type-list" : null,
        inputmode: ["amount_excl_tax", "tax", "total"].includes(name) ? "decimal" : null,
        placeholder: name === "date" ? "YYYY-MM-DD" : null });
    }
    const alternatives = (prov[name] || []).slice(1);
    const conf = chosen ? chosen.confidence : null;
    const low = conf !== null && conf < LOW_CONFIDENCE;
    return el("tr", { dataset: { field: name }, class: low ? "low" : "" },
      el("th", { scope: "row" }, zh, el("span", { class: "en block" }, en)),
      el("td", {}, input,
        name === "invoice_type" && value && INVOICE_TYPES[value] ? el("div", { class: "hint" }, INVOICE_TYPES[value]) : null,
        alternatives.length ? el("div", { class: "hint alt" }, "其他读数 other readings: ",
          alternatives.map((a, i) => el("span", { class: "alt-value" }, `${i ? "; " : ""}${a.value ?? "（空 empty）"} (${a.source} ${a.confidence.toFixed(2)})`))) : null),
      el("td", { class: `num mono conf${low ? " low" : ""}` }, conf === null ? "—" : conf.toFixed(2)),
      el("td", {}, chosen ? sourceBadge(chosen.source) : "—"),
    );
  });
  const list = $("#type-list");
  if (!list.children.length) {
    list.append(...Object.entries(INVOICE_TYPES).map(([c, n]) => el("option", { value: c }, n)));
  }
  $("#fields tbody").replaceChildren(...rows);
  for (const row of rows) {
    row.addEventListener("mouseenter", () => highlight(row.dataset.field));
    row.addEventListener("focusin", () => highlight(row.dataset.field));
    row.addEventListener("mouseleave", () => highlight(null));
  }
  onEdit();
  message($("#edit-error"), "");
}

function sourceBadge(source) {
  const [zh, en] = SOURCE[source] || [source, ""];
  return el("span", { class: `source src-${source}`, title: en }, zh, el("span", { class: "en" }, ` ${en}`));
}

function changes() {
  const out = {};
  for (const [name] of FIELDS) {
    const input = $(`#field-${name}`);
    if (!input) continue;
    const value = input.value.trim();
    if (value !== review.initial[name]) out[name] = value === "" ? null : value;
  }
  return out;
}

function onEdit() {
  const changed = changes();
  for (const [name] of FIELDS) {
    const row = $(`#fields tr[data-field="${name}"]`);
    if (row) row.classList.toggle("changed", name in changed);
  }
  const n = Object.keys(changed).length;
  $("#save-button").disabled = n === 0;
  $("#revert-button").disabled = n === 0;
  $("#changed-count").textContent = n ? `${n} 项已修改 field(s) changed` : "";
}

async function save(extra) {
  const body = { ...changes(), ...extra };
  if (!Object.keys(body).length) return;
  const before = review.detail;
  message($("#edit-error"), "");
  message($("#action-error"), "");
  for (const b of ["#save-button", "#accept-button", "#review-button"]) $(b).disabled = true;
  try {
    const { body: after } = await api(`/api/v1/invoices/${encodeURIComponent(before.id)}`, { method: "PATCH", json: body });
    render(after);
    const names = Object.keys(body).filter((k) => k !== "status").map((k) => FIELD_LABEL[k] || k);
    const parts = [];
    if (names.length) parts.push(`已更正 Corrected: ${names.join("、")}`);
    parts.push(`状态 Status: ${statusText(before.status)} → ${statusText(after.status)}`);
    if (after.issues.length) parts.push(`${after.issues.length} 个问题 issue(s) after re-validation`);
    else parts.push("重新校验无问题 re-validation found no issue");
    flashNow(parts.join(" · "), "good");
    if (names.length) loadImages(after, true);
  } catch (err) {
    if (signedOut(err)) return;
    const fields = err.body?.error?.fields;
    let text = explain(err);
    if (Array.isArray(fields)) {
      text = "更正被拒绝 Correction refused: " + fields.map((f) => {
        const name = (f.loc || []).filter((p) => p !== "body").join(".");
        const row = $(`#fields tr[data-field="${name}"]`);
        if (row) row.classList.add("invalid");
        return `${FIELD_LABEL[name] || name}: ${f.msg}`;
      }).join("; ");
    }
    message("status" in extra ? $("#action-error") : $("#edit-error"), text);
  } finally {
    $("#accept-button").disabled = false;
    $("#review-button").disabled = false;
    onEdit();
  }
}

function statusText(s) { return STATUS[s] ? `${STATUS[s][0]} ${STATUS[s][1]}` : s; }

function renderIssues(detail) {
  const issues = detail.issues || [];
  show($("#no-issues"), issues.length === 0);
  $("#issues").replaceChildren(...issues.map((i) => {
    const detailText = Object.entries(i.detail || {})
      .filter(([k]) => k !== "duplicate_of")
      .map(([k, v]) => `${k}: ${plain(v)}`).join(" · ");
    return el("li", { class: `issue sev-${i.severity}`, dataset: { code: i.code } },
      el("span", { class: `badge ${i.severity === "error" ? "bad" : "warn"}` }, i.severity === "error" ? "错误 error" : "警告 warning"),
      el("strong", {}, ISSUES[i.code] || i.code),
      i.field ? el("span", { class: "muted" }, ` · ${FIELD_LABEL[i.field] || LINE_LABEL[i.field] || i.field}`) : null,
      i.detail && i.detail.duplicate_of
        ? el("span", {}, " · ", el("a", { href: invoiceUrl(i.detail.duplicate_of) }, "查看原发票 open the original"))
        : null,
      detailText ? el("div", { class: "small muted detail" }, detailText) : null,
    );
  }));
}

function renderLines(detail) {
  const items = (detail.line_items || []).slice().sort((a, b) => a.line - b.line);
  const cells = {};
  for (const f of detail.fields || []) {
    if (f.line === null || f.line === undefined || f.alternative !== 0) continue;
    cells[`${f.line}.${f.field}`] = f;
  }
  const cell = (item, name, cls = "") => {
    const p = cells[`${item.line}.${name}`];
    const low = p && p.confidence < LOW_CONFIDENCE;
    const value = ["amount", "tax"].includes(name) ? money(item[name]) : item[name] ?? "";
    return el("td", {
      class: `${cls}${low ? " low" : ""}`,
      title: p ? `${p.source} ${p.confidence.toFixed(2)}` : null,
    }, value);
  };
  $("#line-items tbody").replaceChildren(...items.map((item) => el("tr", {},
    el("td", { class: "num" }, String(item.line + 1)),
    cell(item, "name"), cell(item, "spec"), cell(item, "unit"),
    cell(item, "quantity", "num mono"), cell(item, "unit_price", "num mono"), cell(item, "amount", "num mono"),
    cell(item, "tax_rate", "num"), cell(item, "tax", "num mono"),
    el("td", { class: `num mono${item.confidence < LOW_CONFIDENCE ? " low" : ""}` }, item.confidence.toFixed(2)),
  )));
  show($("#no-lines"), items.length === 0);
  show($("#line-items"), items.length > 0);
}

/** The tax check: status, schedule and attempts when the API includes them (``verification``: status, due_at,
 * missing_at, halted, halted_detail, reason, attempts newest first); any other list of objects is shown as is. */
function renderVerification(detail) {
  setBadge($("#verification-status"), VERIFICATION, detail.verification_status);
  const holder = $("#verification-history");
  const v = ["verification", "verification_attempts", "verifications"]
    .map((k) => detail[k]).find((x) => x !== undefined && x !== null);
  if (!v) {
    holder.replaceChildren();
    return;
  }
  const parts = [];
  if (!Array.isArray(v)) {
    const facts = [
      ["下次查验 Next check", v.due_at ? when(v.due_at) : null],
      ["首次查无 Not found since", v.missing_at ? when(v.missing_at) : null],
      ["已停止 Halted", v.halted ? `${v.halted}${v.halted_detail ? ` · ${v.halted_detail}` : ""}` : null],
      ["说明 Reason", v.reason || null],
    ].filter(([, value]) => value);
    if (facts.length) {
      parts.push(el("dl", { class: "facts compact" }, facts.flatMap(([k, value]) => [el("dt", {}, k), el("dd", {}, value)])));
    }
  }
  const attempts = Array.isArray(v) ? v : v.attempts || [];
  if (!attempts.length) {
    parts.push(el("p", { class: "muted" }, "尚无查验记录。No verification attempt yet."));
  } else {
    const preferred = ["at", "outcome", "code", "error", "counted", "service_down", "response", "request"];
    const seen = new Set(attempts.flatMap((a) => (a && typeof a === "object" ? Object.keys(a) : [])));
    const columns = [...preferred.filter((c) => seen.has(c)), ...[...seen].filter((c) => !preferred.includes(c) && c !== "id")];
    parts.push(el("div", { class: "table-wrap" }, el("table", { class: "grid small", id: "verification-table" },
      el("thead", {}, el("tr", {}, columns.map((c) => el("th", {}, c)))),
      el("tbody", {}, attempts.map((a) => el("tr", {}, columns.map((c) => {
        const value = a ? a[c] : null;
        return el("td", { class: typeof value === "object" && value !== null ? "json" : null },
          /(_at|^at)$/.test(c) && typeof value === "string" ? when(value) : plain(value));
      })))),
    )));
  }
  holder.replaceChildren(...parts);
}

const ACTIONS = { capture: "录入 capture", recapture: "重新识别 recapture", correct: "人工更正 correction",
  delete: "删除 delete", verify: "查验 verify" };

function renderHistory(detail) {
  const events = (detail.history || []).slice().reverse();
  $("#history tbody").replaceChildren(...events.map((e) => el("tr", { dataset: { action: e.action } },
    el("td", { class: "nowrap" }, when(e.at)),
    el("td", {}, ACTIONS[e.action] || e.action),
    el("td", { class: "mono small" }, e.actor),
    el("td", { class: "small" }, describeChange(e)),
  )));
}

function describeChange(e) {
  const before = e.before || null;
  const after = e.after || {};
  if (!before) {
    const bits = [];
    if (after.status) bits.push(`状态 status: ${after.status}`);
    if (after.invoice_number) bits.push(`号码 number: ${after.invoice_number}`);
    return bits.join(" · ");
  }
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => k !== "corrected");
  const lines = keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => el("div", { class: "change" }, el("span", { class: "muted" }, `${FIELD_LABEL[k] || k}: `),
      el("del", {}, plain(before[k])), " → ", el("ins", {}, plain(after[k]))));
  return lines.length ? lines : "（无变化 no change）";
}

/* ------------------------------------------------------------------------------------------ page image */

function filenameOf(response) {
  const cd = response.headers.get("content-disposition") || "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) {
    try { return decodeURIComponent(star[1]); } catch { return star[1]; }
  }
  const plainName = /filename="?([^";]+)"?/i.exec(cd);
  return plainName ? plainName[1] : null;
}

/** The page with field boxes (``?boxes=1``) when the server answers with an image; the original otherwise. */
async function loadImages(detail, refresh = false) {
  const img = review.image;
  const base = `/api/v1/documents/${encodeURIComponent(detail.document_id)}/file`;
  if (refresh && img.boxesUrl) {
    URL.revokeObjectURL(img.boxesUrl);
    img.boxesUrl = null;
  }
  try {
    if (!img.boxesUrl && !img.boxesTried) {
      const r = await rawFetch(`${base}?boxes=1&page=${detail.page}`);
      const type = r.headers.get("content-type") || "";
      if (r.ok && type.startsWith("image/")) {
        img.boxesUrl = URL.createObjectURL(await r.blob());
        img.boxesDrawn = /-boxes\.png$/i.test(filenameOf(r) || "");
      } else {
        img.boxesTried = true;
      }
    }
    if (!img.originalUrl) {
      const r = await rawFetch(base);
      if (!r.ok) {
        let err;
        try { const b = await r.json(); err = new ApiError(r.status, b.error?.code, b.error?.detail, b); }
        catch { err = new ApiError(r.status, "", r.statusText); }
        throw err;
      }
      img.originalType = (r.headers.get("content-type") || "").split(";")[0];
      img.originalName = filenameOf(r) || `${detail.document_id}`;
      img.originalUrl = URL.createObjectURL(await r.blob());
      const link = $("#original-link");
      link.href = img.originalUrl;
      link.setAttribute("download", img.originalName);
      show(link);
    }
  } catch (err) {
    if (signedOut(err)) return;
    $("#image-status").textContent = `无法加载页面图像。The page image could not be loaded: ${explain(err)}`;
    show($("#image-status"));
    return;
  }
  showImage();
}

function showImage() {
  const img = review.image;
  const wantBoxes = $("#boxes-toggle").checked;
  const page = $("#page-image");
  const status = $("#image-status");
  const note = $("#image-note");
  const old = $("#pdf-frame");
  if (old) old.remove();
  let url = null;
  let text = "";
  if (wantBoxes && img.boxesUrl) {
    url = img.boxesUrl;
    text = img.boxesDrawn ? "绿色/蓝色框为识别字段。Boxes show where each field was read."
      : "服务器未绘制字段框，显示原件。The server did not draw boxes: showing the page as uploaded.";
  } else if (img.originalUrl && img.originalType.startsWith("image/")) {
    url = img.originalUrl;
    text = wantBoxes ? "无法取得带框页面，显示原件。No page with boxes: showing the original." : "原件 Original.";
  } else if (img.originalUrl) {
    show(page, false);
    show(status, false);
    $("#image-holder").append(el("iframe", { id: "pdf-frame", src: img.originalUrl, title: "original", class: "pdf" }));
    note.textContent = `原件 Original (${img.originalType || "file"}).`;
    return;
  }
  note.textContent = text;
  if (!url) return;
  page.onload = () => { show(page); show(status, false); page.dataset.loaded = "1"; };
  page.onerror = () => {
    show(page, false);
    status.textContent = "浏览器无法显示此格式，请下载原件。This browser cannot show this format: download the original.";
    show(status);
  };
  page.src = url;
}

function highlight(name) {
  const box = $("#box-highlight");
  const page = $("#page-image");
  const detail = review.detail;
  const chosen = name && detail ? (provenance(detail)[name] || [])[0] : null;
  if (!chosen || chosen.x0 === null || page.hidden || !page.naturalWidth || chosen.page !== detail.page) {
    show(box, false);
    return;
  }
  const w = page.naturalWidth;
  const h = page.naturalHeight;
  Object.assign(box.style, {
    left: `${(chosen.x0 / w) * 100}%`, top: `${(chosen.y0 / h) * 100}%`,
    width: `${((chosen.x1 - chosen.x0) / w) * 100}%`, height: `${((chosen.y1 - chosen.y0) / h) * 100}%`,
  });
  show(box);
}

/* ---------------------------------------------------------------------------------------------- start */

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  if (page === "index") initIndex();
  else if (page === "invoice") initInvoice();
});
