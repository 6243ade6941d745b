// lumos web page: upload, compare before/after, tune, download; several photos as one job.
// Vanilla JS, no build step.
"use strict";

(() => {
  const PREVIEW_SIDE = 800;   // long side of slider previews (px)
  const MB = 1000 * 1000;     // the server's MB (max_upload_mb), in bytes
  const DEBOUNCE_MS = 250;    // wait this long after the last slider move
  const BUSY_RETRIES = 3;     // a preview refused as busy (503) is sent again this often
  const BUSY_WAIT_MAX_S = 30; // but never waits longer than this for one Retry-After
  const $ = (id) => document.getElementById(id);

  const el = {
    drop: $("drop"), file: $("file"), limits: $("limits"), status: $("status"),
    statusText: $("status-text"), progress: $("progress"), error: $("error"), work: $("work"),
    compare: $("compare"), before: $("before"), after: $("after"), divider: $("divider"),
    busy: $("busy"), name: $("name"), used: $("used"), download: $("download"),
    another: $("another"), auto: $("auto"), more: $("more"), moreFiles: $("more-files"),
    batch: $("batch"), batchSettings: $("batch-settings"), batchProgress: $("batch-progress"),
    batchSummary: $("batch-summary"), batchList: $("batch-list"), batchZip: $("batch-zip"),
    batchClose: $("batch-close"), batchDelete: $("batch-delete"), keep: $("keep"),
    cancel: $("cancel"),
    size: $("a-size"), bright: $("a-bright"), noise: $("a-noise"), light: $("a-light"),
    exposure: $("a-exposure"),
    haze: $("a-haze"),
  };
  const sliders = ["denoise", "detail", "brightness", "shadows", "dehaze"].map((id) => ({
    id, input: $(id), out: $(id + "-out"),
  }));

  const state = {
    file: null,          // the original upload (sent again, full size, on Download)
    previewBlob: null,   // small JPEG of the original: what slider previews send
    info: null,          // /v1/analyse reply
    afterUrl: null,      // the After of the preview (PREVIEW_SIDE)
    previewKey: "",      // the settings afterUrl was made with
    zoomed: false,       // the 100% view: full-resolution Before and After, panned
    zoomUrl: null,       // the After at full resolution, for the 100% view
    zoomKey: "",
    fullBefore: null,    // the original as the browser decodes it (not HEIC, RAW, TIFF)
    pan: { x: 0, y: 0 }, // offset of the photo in the 100% view, CSS px
    split: 50,           // divider position, % of the visible width
    previewXhr: null,
    downloadXhr: null,   // the full-resolution download under way (Cancel aborts it)
    timer: 0,
    tuned: false,        // the sliders were moved by hand since the last automatic values
    pickSeq: 0,          // numbers each pick: a reply to an older pick is stale
    picking: false,      // a pick is uploading or being measured
    maxUploadMb: null,
    maxMegapixels: null,
    retryTimer: 0,       // counts down to the next try of a preview refused as busy
    maxJobFiles: null,
    batchTimer: 0,
    batchSeq: 0,         // numbers each list: a retry's reply for an older list is stale
    batchFiles: [],      // the photos of the list, for their thumbnails and retries
    batchOptions: [],    // the list's form fields but the files, for a retry
    thumbs: new Map(),   // index -> its <img>, kept across polls so it is not fetched again
    originals: [],       // object URLs of the photos as chosen: thumbnails until done
    retried: new Map(),  // index -> {status, url, name, error} of a file tried again
    lastJob: null,
  };
  const POLL_MS = 800;       // how often a running job is asked for its progress
  const PROGRESS_MS = 500;   // how often a full-resolution download is asked how far it got

  // ---- talking to the server ------------------------------------------------------------

  // XMLHttpRequest rather than fetch: it reports upload progress for big photos.
  function send(url, form, { json = false, onUpload = null } = {}) {
    const xhr = new XMLHttpRequest();
    const promise = new Promise((resolve, reject) => {
      xhr.open("POST", url);
      xhr.responseType = json ? "json" : "blob";
      if (onUpload) xhr.upload.onprogress = (e) => e.lengthComputable && onUpload(e.loaded / e.total);
      xhr.onload = async () => {
        if (xhr.status >= 200 && xhr.status < 300) return resolve({ xhr });
        reject(await httpError(xhr));
      };
      xhr.onerror = () => reject(new Error("Cannot reach the server. Is it still running?"));
      xhr.onabort = () => reject(Object.assign(new Error("aborted"), { aborted: true }));
    });
    xhr.send(form);
    return { xhr, promise };
  }

  async function httpError(xhr) {
    let detail = "";
    try {
      const body = xhr.responseType === "json" ? xhr.response : JSON.parse(await xhr.response.text());
      detail = body && body.detail ? String(body.detail) : "";
    } catch (_) { /* not JSON: keep the generic text below */ }
    const retry = xhr.getResponseHeader("Retry-After");
    const text = {
      400: "This file could not be read as an image",
      413: "This photo is too large for this server",
      415: "This file type is not supported",
      422: "A setting was not accepted",
      501: "Not available on this server",
      503: `The server is busy${retry ? `; try again in ${retry} s` : ""}`,
      504: "The photo took too long to process",
    }[xhr.status] || `The server answered ${xhr.status}`;
    // Busy and too slow say all there is in the page's own words; the server's detail
    // only said it again ("The server is busy; try again in 5 s: the server is busy; ...").
    if (xhr.status === 503 || xhr.status === 504) detail = "";
    const err = new Error(detail && !text.includes(detail) ? `${text}: ${detail}` : text);
    err.status = xhr.status;
    if (xhr.status === 503) err.retryAfter = Number(retry) >= 0 ? Number(retry) : null;
    return err;
  }

  // ---- status, errors -------------------------------------------------------------------

  function showStatus(text, fraction = null) {
    el.status.hidden = false;
    el.statusText.textContent = text;
    if (fraction === null) el.progress.removeAttribute("value");  // indeterminate
    else el.progress.value = Math.round(fraction * 100);
  }
  const hideStatus = () => { el.status.hidden = true; };
  // `from` names what failed, so a later success clears only its own kind of error
  // (a preview that works must not hide "this file could not be read").
  function showError(err, from = "") {
    if (err && err.aborted) return;
    el.error.textContent = err instanceof Error ? err.message : String(err);
    el.error.dataset.from = from;
    // "The server is busy" is over once anything succeeds, whatever had met it.
    el.error.dataset.busy = err && err.status === 503 ? "1" : "";
    el.error.hidden = false;
  }
  function clearError(from = null) {
    if (from !== null && el.error.dataset.from !== from && !el.error.dataset.busy) return;
    el.error.hidden = true;
    el.error.textContent = "";
  }

  // ---- analysis -------------------------------------------------------------------------

  function describe(info) {
    const a = info.analysis;
    el.name.textContent = info.name || "photo";
    el.size.textContent = `${info.width} × ${info.height} · ${info.megapixels} MP · ${info.format}`;
    const mean = Math.round(a.mean_luminance * 255);
    el.bright.textContent = `${mean}/255 mean${a.is_low_light ? " · low light" : ""}`;
    const sigma = a.noise_sigma * 255;
    const level = sigma < 2 ? "low" : sigma < 6 ? "moderate" : "high";
    el.noise.textContent = `${level} (σ ${sigma.toFixed(1)}/255)`;
    el.noise.title = info.compression || "";  // whether JPEG blocks show, and what follows
    el.light.textContent = `${a.light} (${Math.round(a.light_confidence * 100)}% sure)`;
    el.haze.textContent = `${a.hazy ? "hazy" : "clear"} (density ${Number(a.haze_density).toFixed(2)})`;
    // The over-exposure verdict and what automatic exposure would darken (stops).
    const dk = (info.would_use || {}).darken;
    el.exposure.textContent = dk
      ? `${dk.over.label}${dk.darken_ev ? ` · darken ${dk.darken_ev.toFixed(1)} stops` : ""} ` +
        `(${Math.round(a.clipped_fraction * 100)}% clipped)`
      : "–";
    el.exposure.title = dk ? dk.text : "";
  }

  // An enlargement whose result would pass the server's megapixel limit is refused
  // (413) only after the whole upload: it is not offered, and the menu says why.
  function limitScale() {
    const select = $("scale");
    const mp = state.info && state.info.width * state.info.height / 1e6;
    let note = "";
    for (const option of select.options) {
      const s = Number(option.value);
      option.textContent = option.dataset.label || (option.dataset.label = option.textContent);
      const over = Boolean(mp && state.maxMegapixels && s > 1 && mp * s * s > state.maxMegapixels);
      option.disabled = over;
      if (over) {
        option.textContent += ` (over ${state.maxMegapixels} MP)`;
        note = `Enlarging past ${state.maxMegapixels} MP is not possible on this server.`;
      }
    }
    if (select.selectedOptions[0] && select.selectedOptions[0].disabled) {
      const allowed = [...select.options].filter((o) => !o.disabled);
      select.value = allowed[allowed.length - 1].value;
    }
    select.title = note;
    $("scale-note").textContent = note;
    $("scale-note").hidden = !note;
  }

  // Each model chooses its own automatic strengths; the server measured them all.
  function autoValues() {
    const byModel = state.info.would_use_by_model || {};
    return byModel[$("model").value] || state.info.would_use;
  }

  // What a result depends on: a result made with other settings is not the one to show.
  const settingsKey = () => JSON.stringify([sliders.map((s) => s.input.value), $("model").value,
    $("light").value, $("exposure").value]);

  function setSliders(values) {
    for (const s of sliders) {
      const v = values[s.id === "brightness" ? "target_brightness" : s.id];
      if (typeof v === "number") s.input.value = String(v);
      s.out.textContent = `${Number(s.input.value).toFixed(2)}`;
    }
  }

  // full: a preview of the whole original (the 100% view), not one PREVIEW_SIDE long.
  function optionsForm(file, preview, full = false) {
    const form = new FormData();
    form.append("file", file, preview && !full ? "preview.jpg" : file.name);
    for (const s of sliders) form.append(s.id, s.input.value);
    form.append("model", $("model").value);
    form.append("light", $("light").value);  // changes the look: previews show it too
    form.append("exposure", $("exposure").value);  // so does the direction of the exposure
    if (preview) {
      if (!full) form.append("preview_max_side", String(PREVIEW_SIDE));
      form.append("format", "jpg");
      form.append("quality", "90");
    } else {
      // Enlarging is for the full-resolution download only; previews show the look.
      form.append("scale", $("scale").value);
      form.append("upscaler", $("upscaler").value);
      fileOptions(form);
    }
    return form;
  }

  // The file a download (or a list of photos) is saved as; previews are always JPEG.
  // several: photos of any type, kept as they are unless a type is chosen, so the
  // quality goes along for those that are JPEG.
  function fileOptions(form, several = false) {
    const chosen = $("format").value;
    if (chosen) form.append("format", chosen);
    if (several ? !["png", "tiff"].includes(chosen) : lossyOutput()) {
      form.append("quality", $("quality").value);
    }
  }

  // Whether the chosen file type has a quality: JPEG and WEBP, asked for or kept
  // (HEIC and RAW are saved as JPEG).
  function lossyOutput() {
    const chosen = $("format").value;
    if (chosen) return chosen === "jpg" || chosen === "webp";
    const input = state.info ? state.info.format : "JPEG";
    return !["PNG", "TIFF", "BMP"].includes(input);
  }

  // Menus that matter only sometimes are shown only then.
  function showRelevant() {
    $("upscaler-control").hidden = $("scale").value === "1";
    $("quality-control").hidden = !lossyOutput();
  }

  // ---- choosing a photo -----------------------------------------------------------------

  // The photo on screen stays current until the server has read the new one: a file
  // it refuses leaves the previous photo, its sliders and Download as they were.
  async function pick(file) {
    if (!file) return;
    clearError();
    if (state.maxUploadMb && file.size > state.maxUploadMb * MB) {
      showError(new Error(`This photo is ${(file.size / MB).toFixed(1)} MB; ` +
        `the server accepts up to ${state.maxUploadMb} MB.`));
      return;
    }
    const seq = ++state.pickSeq;
    const current = () => seq === state.pickSeq;
    state.picking = true;
    showStatus("Uploading and measuring…", 0);
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("preview_max_side", String(PREVIEW_SIDE));
    let info;
    try {
      const { xhr } = await send("/v1/analyse", form, {
        json: true,
        onUpload: (f) => current() &&
          showStatus(f < 1 ? "Uploading…" : "Measuring…", f < 1 ? f : null),
      }).promise;
      info = xhr.response;
    } catch (err) {
      if (!current()) return;  // a newer pick owns the status and error lines
      state.picking = false;
      hideStatus();
      showError(err, "pick");
      return;
    }
    if (!current()) return;
    state.picking = false;
    showPhoto(file, info);
    await preview();
  }

  function showPhoto(file, info) {
    clearTimeout(state.batchTimer);  // a single photo replaces a finished or running list
    el.batch.hidden = true;
    state.file = file;
    state.info = info;
    describe(info);
    limitScale();
    showRelevant();
    state.tuned = false;
    setSliders(autoValues());
    // The After half showed the previous photo's result until this one's preview came.
    setZoom(false, false);  // a new photo: its own preview follows
    for (const name of ["afterUrl", "zoomUrl", "fullBefore"]) {
      if (state[name]) URL.revokeObjectURL(state[name]);
      state[name] = null;
    }
    state.previewKey = state.zoomKey = "";
    el.after.removeAttribute("src");
    el.before.src = info.preview;
    loadFullBefore(file, info);
    state.previewBlob = dataUrlToBlob(info.preview);
    document.body.classList.add("has-photo");
    el.work.hidden = false;
  }

  // fetch() of a data: URL is blocked by the page's Content-Security-Policy; decode it here.
  function dataUrlToBlob(url) {
    const [head, b64] = url.split(",");
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Blob([bytes], { type: head.slice(5).split(";")[0] });
  }

  // ---- previews -------------------------------------------------------------------------

  async function preview(attempt = 0) {
    const blob = state.previewBlob;
    if (!blob) return;
    stopRetry();
    if (state.previewXhr) state.previewXhr.abort();  // only the latest settings matter
    const full = state.zoomed;  // the 100% view shows the full-resolution result
    const key = settingsKey();
    el.busy.hidden = false;
    const form = full ? optionsForm(state.file, true, true) : optionsForm(blob, true);
    // The whole photo takes seconds: the status line tells how far it has got, unless
    // a download or a new photo has it.
    const id = full ? progressId() : "";
    if (full) form.append("progress_id", id);
    let followed = false;
    const req = send("/v1/enhance", form, {
      onUpload: (f) => {
        if (!full || f < 1 || followed) return;
        followed = true;
        follow(id, Date.now(), () => state.previewXhr === req.xhr && !state.downloadXhr &&
          !state.picking, "Rendering the 100% view…", 1);
      },
    });
    state.previewXhr = req.xhr;
    try {
      const { xhr } = await req.promise;
      if (blob !== state.previewBlob) return;  // a preview of a photo no longer shown
      const url = URL.createObjectURL(xhr.response);
      const kind = full ? "zoom" : "after";
      if (state[kind + "Url"]) URL.revokeObjectURL(state[kind + "Url"]);
      state[kind + "Url"] = url;
      state[full ? "zoomKey" : "previewKey"] = key;
      if (full === state.zoomed) el.after.src = url;
      const stats = JSON.parse(xhr.getResponseHeader("X-Lumos-Stats") || "{}");
      // What the exposure correction did and why (darkened, or not, by the verdict).
      const why = stats.exposure && stats.exposure.why ? ` · ${stats.exposure.why}` : "";
      el.used.textContent = stats.timings_s
        ? `Preview ${stats.width} × ${stats.height} in ${sum(stats.timings_s).toFixed(2)} s${why}`
        : "";
      clearError("preview");
      if (!state.picking && !state.downloadXhr) hideStatus();
    } catch (err) {
      if (!err.aborted && blob === state.previewBlob) {
        if (!state.picking && !state.downloadXhr) hideStatus();
        if (err.status === 503 && attempt < BUSY_RETRIES) retryLater(err, attempt + 1);
        else showError(err, "preview");
      }
    } finally {
      if (state.previewXhr === req.xhr) { state.previewXhr = null; el.busy.hidden = true; }
      if (followed && !state.previewXhr && !state.picking && !state.downloadXhr) hideStatus();
    }
  }
  const sum = (obj) => Object.values(obj).reduce((a, b) => a + b, 0);

  // A busy server says when to come back (Retry-After): the preview is sent again
  // by itself then, with the seconds counting down, instead of leaving the user a
  // "try again in 5 s" to act on. A newer preview (a slider moved) replaces the wait.
  function retryLater(err, attempt) {
    const wait = Math.min(err.retryAfter ?? 2, BUSY_WAIT_MAX_S);
    const end = Date.now() + wait * 1000;
    const tick = () => {
      const left = Math.ceil((end - Date.now()) / 1000);
      if (left <= 0) { stopRetry(); preview(attempt); return; }
      showError(Object.assign(new Error(`The server is busy; trying the preview again in ` +
        `${left} s (try ${attempt} of ${BUSY_RETRIES})`), { status: 503 }), "preview");
      state.retryTimer = setTimeout(tick, Math.min(1000, end - Date.now()));
    };
    tick();
  }
  function stopRetry() { clearTimeout(state.retryTimer); state.retryTimer = 0; }

  function schedule() {
    stopRetry();
    clearTimeout(state.timer);
    state.timer = setTimeout(preview, DEBOUNCE_MS);
  }

  // ---- download -------------------------------------------------------------------------

  async function download() {
    if (!state.file) return;
    clearError();
    el.download.disabled = true;
    showStatus("Uploading…", 0);
    const id = progressId();
    const form = optionsForm(state.file, false);
    form.append("progress_id", id);
    let uploaded = 0;  // when the upload ended: the time left is reckoned from there
    const req = send("/v1/enhance", form, {
      onUpload: (f) => {
        if (f < 1) showStatus("Uploading…", f);
        else if (!uploaded) {
          uploaded = Date.now();
          showStatus("Waiting for the server…", null);
          follow(id, uploaded, () => state.downloadXhr === req.xhr);
        }
      },
    });
    state.downloadXhr = req.xhr;
    el.cancel.hidden = false;
    try {
      const { xhr } = await req.promise;
      const a = document.createElement("a");
      a.href = URL.createObjectURL(xhr.response);
      a.download = filenameOf(xhr.getResponseHeader("Content-Disposition") || "");
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60000);
      showStatus(`Saved ${a.download}`, 1);
      setTimeout(hideStatus, 2500);
    } catch (err) {
      if (err.aborted) {  // Cancel: the server stops the work when the request goes
        showStatus("Cancelled.", 0);
        setTimeout(hideStatus, 2000);
      } else {
        hideStatus();
        showError(err);
      }
    } finally {
      state.downloadXhr = null;
      el.cancel.hidden = true;
      el.download.disabled = false;
    }
  }

  // Random, so that no one else's request can be followed (or spoilt) by guessing;
  // getRandomValues, as randomUUID needs https on a server reached by its LAN address.
  function progressId() {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    return "page-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The share of the work each stage stands for: enlarging costs about as much as
  // the enhancement it follows.
  function fractionDone(p, scale) {
    const part = p.total ? p.done / p.total : 0;
    if (p.stage === "waiting") return 0;
    if (p.stage === "reading") return 0.02;
    if (p.stage === "saving") return 0.97;
    if (p.stage === "enlarging") return 0.5 + 0.45 * part;
    return 0.05 + (scale > 1 ? 0.45 : 0.9) * part;  // enhancing
  }

  // Asks the server how far the download has got until its reply comes: percent
  // done, and the time left once enough is done to tell.
  // alive: whether the request is still the one the status line is about.
  function follow(id, since, alive, label = "Enhancing at full resolution…",
    scale = Number($("scale").value)) {
    const ask = async () => {
      if (!alive()) return;
      try {
        const r = await fetch(`/v1/progress/${id}`);
        if (r.status === 200 && alive()) {  // 204: not begun, or over
          const p = await r.json();
          const f = fractionDone(p, scale);
          const s = (Date.now() - since) / 1000;
          const left = f >= 0.1 ? Math.max(1, Math.round((s / f) * (1 - f))) : null;
          const what = p.stage === "waiting" ? "Waiting for the server…"
            : p.stage === "enlarging" ? "Enlarging…" : label;
          showStatus(`${what} ${Math.round(f * 100)}%${left ? ` · about ${left} s left` : ""}`,
            p.stage === "waiting" ? null : f);
        }
      } catch (_) { /* the request itself reports a lost server */ }
      if (alive()) setTimeout(ask, PROGRESS_MS);
    };
    ask();
  }

  // filename* (RFC 5987) keeps a name like "Nacht Café 夜景"; filename= is its ASCII fallback.
  function filenameOf(disposition) {
    const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
    if (utf8) {
      try { return decodeURIComponent(utf8[1]); } catch (_) { /* malformed: use the fallback */ }
    }
    const plain = /filename="([^"]+)"/.exec(disposition);
    return plain ? plain[1] : "lumos.jpg";
  }

  // ---- "How was this done?": the explain report ----------------------------------------

  // The report is a page of its own, with its own Content-Security-Policy (inline
  // styles, no script), so it cannot be shown from a blob: or inside this page, which
  // would impose this page's policy on it. A form posted to a new tab gets it as
  // the server sent it. It explains the preview on screen with the sliders as set:
  // quick, where a 12 MP original takes the server half a minute.
  function explain() {
    if (!state.previewBlob) return;
    const form = document.createElement("form");
    Object.assign(form, { method: "post", action: "/v1/enhance", target: "_blank",
      enctype: "multipart/form-data", hidden: true });
    const add = (name, value) => {
      const input = Object.assign(document.createElement("input"), { type: "hidden", name, value });
      form.append(input);
    };
    const file = Object.assign(document.createElement("input"), { type: "file", name: "file" });
    const photo = new DataTransfer();
    photo.items.add(new File([state.previewBlob], state.file.name, { type: state.previewBlob.type }));
    file.files = photo.files;
    form.append(file);
    for (const s of sliders) add(s.id, s.input.value);
    add("model", $("model").value);
    add("report", "true");
    document.body.append(form);
    form.submit();
    form.remove();
  }

  // ---- several photos: one job on the server, polled until done ------------------------

  function choose(files) {
    const list = Array.from(files || []);
    if (list.length === 1) pick(list[0]);
    else if (list.length > 1) runBatch(list, false);
  }

  // useSettings: the sliders and menus as set for the photo on screen ("apply to more");
  // otherwise each photo gets its automatic settings.
  async function runBatch(files, useSettings) {
    clearError();
    if (state.maxJobFiles && files.length > state.maxJobFiles) {
      showError(new Error(`${files.length} photos chosen; this server takes up to ` +
        `${state.maxJobFiles} at a time.`));
      return;
    }
    const tooBig = state.maxUploadMb && files.find((f) => f.size > state.maxUploadMb * MB);
    if (tooBig) {
      showError(new Error(`${tooBig.name} is ${(tooBig.size / MB).toFixed(1)} MB; ` +
        `the server accepts up to ${state.maxUploadMb} MB.`));
      return;
    }
    clearTimeout(state.batchTimer);
    // A photo still being measured must not replace this list when its reply lands.
    if (state.picking) hideStatus();
    state.pickSeq++;
    state.picking = false;
    const options = new FormData();
    options.append("model", $("model").value);
    options.append("exposure", $("exposure").value);
    if (useSettings) {
      for (const s of sliders) options.append(s.id, s.input.value);
      options.append("scale", $("scale").value);
      options.append("upscaler", $("upscaler").value);
      options.append("light", $("light").value);
    }
    fileOptions(options, true);  // the file type is a choice of its own, whoever set the look
    newList(files, [...options.entries()]);
    const seq = state.batchSeq;
    el.batchSettings.textContent = useSettings
      ? `Settings: denoise ${sliders[0].input.value}, detail ${sliders[1].input.value}, ` +
        `brightness ${sliders[2].input.value}, shadows ${sliders[3].input.value}, ` +
        `dehaze ${sliders[4].input.value}`
      : "Automatic settings for each photo";
    if (!useSettings) el.work.hidden = true;
    el.batch.hidden = false;
    el.batch.scrollIntoView({ block: "nearest" });
    el.batchZip.hidden = true;
    el.batchDelete.hidden = true;
    delete el.batch.dataset.job;  // stops the polling of an earlier list
    el.batchList.replaceChildren();
    el.batchProgress.value = 0;
    el.batchSummary.textContent = `Uploading ${files.length} photos…`;
    document.body.classList.add("has-photo");
    for (let attempt = 0; ; attempt++) {
      const form = new FormData();
      for (const f of files) form.append("files", f, f.name);
      for (const [k, v] of state.batchOptions) form.append(k, v);
      try {
        const { xhr } = await send("/v1/jobs", form, {
          json: true,
          onUpload: (f) => {
            el.batchProgress.value = Math.round(f * 100);
            el.batchSummary.textContent = f < 1 ? `Uploading ${files.length} photos…` : "Starting…";
          },
        }).promise;
        if (seq !== state.batchSeq) return;
        el.batch.dataset.job = xhr.response.id;
        el.batchDelete.hidden = false;
        await poll(xhr.response.status_url, xhr.response.id);
        return;
      } catch (err) {
        if (seq !== state.batchSeq) return;
        // Busy (too many jobs kept, or the queue full): sent again by itself after
        // the Retry-After it was given, as previews are.
        if (err.status === 503 && attempt < BUSY_RETRIES) {
          await countdown(Math.min(err.retryAfter ?? 2, BUSY_WAIT_MAX_S), (left) => {
            el.batchSummary.textContent = `The server is busy; trying again in ${left} s ` +
              `(try ${attempt + 1} of ${BUSY_RETRIES})`;
          });
          if (seq !== state.batchSeq) return;
          continue;
        }
        el.batchSummary.textContent = "";
        showError(err);
        return;
      }
    }
  }

  // Waits `seconds`, telling `show` the whole seconds left.
  function countdown(seconds, show) {
    return new Promise((resolve) => {
      const end = Date.now() + seconds * 1000;
      const tick = () => {
        const left = Math.ceil((end - Date.now()) / 1000);
        if (left <= 0) return resolve();
        show(left);
        setTimeout(tick, Math.min(1000, end - Date.now()));
      };
      tick();
    });
  }

  // A new list: its photos' thumbnails (as chosen, until their results come) and
  // the options a retry of one of them needs.
  function newList(files, options) {
    state.batchSeq++;
    for (const url of state.originals) URL.revokeObjectURL(url);
    for (const r of state.retried.values()) if (r.url) URL.revokeObjectURL(r.url);
    state.originals = files.map((f) => URL.createObjectURL(f));
    state.batchFiles = files;
    state.batchOptions = options;
    state.thumbs = new Map();
    state.retried = new Map();
    state.lastJob = null;
  }

  function thumbnail(index, url) {
    let img = state.thumbs.get(index);
    if (!img) {
      img = Object.assign(document.createElement("img"), { className: "thumb", alt: "",
        loading: "lazy", decoding: "async" });
      // A photo the browser cannot show (HEIC, RAW, TIFF) keeps an empty square.
      img.onerror = () => { img.style.visibility = "hidden"; };
      state.thumbs.set(index, img);
    }
    if (url && img.dataset.src !== url) {
      img.dataset.src = url;
      img.style.visibility = "";
      img.src = url;
    }
    return img;
  }

  // One failed photo sent again on its own, with the list's options; its result is
  // then downloaded from its line (the zip holds what the job made).
  async function retryFile(index) {
    const seq = state.batchSeq;
    const file = state.batchFiles[index];
    if (!file) return;
    state.retried.set(index, { status: "running" });
    renderJob(state.lastJob);
    const form = new FormData();
    form.append("file", file, file.name);
    for (const [k, v] of state.batchOptions) form.append(k, v);
    let outcome;
    try {
      const { xhr } = await send("/v1/enhance", form).promise;
      outcome = { status: "done", url: URL.createObjectURL(xhr.response),
        name: filenameOf(xhr.getResponseHeader("Content-Disposition") || "") };
    } catch (err) {
      outcome = { status: "failed", error: err.message };
    }
    if (seq !== state.batchSeq || !el.batch.dataset.job) {  // another list, or deleted
      if (outcome.url) URL.revokeObjectURL(outcome.url);
      return;
    }
    state.retried.set(index, outcome);
    renderJob(state.lastJob);
  }

  async function poll(url, id) {
    const current = () => el.batch.dataset.job === id;  // not deleted nor replaced meanwhile
    let job;
    try {
      const r = await fetch(url);
      if (!r.ok) throw new Error(r.status === 404 ? "The job expired on the server." :
        `The server answered ${r.status}`);
      job = await r.json();
    } catch (err) {
      if (current()) showError(err instanceof TypeError ? new Error("Cannot reach the server.") : err);
      return;
    }
    if (!current()) return;
    renderJob(job);
    if (job.status === "queued" || job.status === "running") {
      state.batchTimer = setTimeout(() => poll(url, id), POLL_MS);
    }
  }

  function renderJob(job) {
    if (!job) return;
    state.lastJob = job;
    el.batchProgress.value = job.total ? Math.round((job.done / job.total) * 100) : 0;
    const mended = [...state.retried.values()].filter((r) => r.status === "done").length;
    const ok = job.done - job.failed + mended;
    const failed = job.failed - mended;
    const finished = !(job.status === "queued" || job.status === "running");
    el.batchSummary.textContent = finished
      ? `${ok} of ${job.total} enhanced${failed ? `, ${failed} failed` : ""}.`
      : `Enhancing… ${job.done} of ${job.total} done.`;
    el.batchList.replaceChildren(...job.files.map(fileLine));
    if (job.zip_url) {
      el.batchZip.href = job.zip_url;
      el.batchZip.hidden = false;
    }
  }

  function fileLine(f) {
    // A failed photo tried again is shown as that try went.
    const again = f.status === "failed" ? state.retried.get(f.index) : null;
    const shown = again ? { ...f, status: again.status, error: again.error,
      url: again.url, name: again.name || f.name } : f;
    const li = document.createElement("li");
    li.className = shown.status;
    let name;
    if (shown.url) {  // done: the link names the file it downloads
      name = document.createElement("a");
      name.href = shown.url;
      name.download = shown.name;
      name.textContent = shown.name;
    } else {      // waiting or failed: the photo as the user knows it
      name = document.createElement("span");
      name.textContent = f.source_name || f.name;
    }
    const note = document.createElement("span");
    note.className = "state";
    note.textContent = shown.status === "failed" ? `failed: ${shown.error || "unknown error"}`
      : shown.status === "done" ? (again ? "done (tried again)" : "done")
        : shown.status === "running" ? "enhancing…" : "waiting";
    const body = document.createElement("span");
    body.className = "line";
    body.append(name, note);
    // The result once done, the photo as chosen until then.
    li.append(thumbnail(f.index, shown.url || state.originals[f.index]), body);
    if (shown.status === "failed" && state.batchFiles[f.index]) {
      const retry = Object.assign(document.createElement("button"), { type: "button",
        className: "secondary small retry", textContent: "Try again" });
      retry.addEventListener("click", () => retryFile(f.index));
      li.append(retry);
    }
    return li;
  }

  // The results stay on the server until the job expires unless the user deletes them.
  async function deleteJob() {
    const id = el.batch.dataset.job;
    if (!id) return;
    clearTimeout(state.batchTimer);
    el.batchDelete.disabled = true;
    try {
      const r = await fetch(`/v1/jobs/${encodeURIComponent(id)}`, { method: "DELETE" });
      if (!r.ok && r.status !== 404) throw new Error(`The server answered ${r.status}`);
      delete el.batch.dataset.job;
      el.batchZip.hidden = true;
      el.batchDelete.hidden = true;
      el.batchList.replaceChildren();
      el.batchSummary.textContent = "Deleted from the server.";
    } catch (err) {
      showError(err instanceof TypeError ? new Error("Cannot reach the server.") : err);
    } finally {
      el.batchDelete.disabled = false;
    }
  }

  // ---- the 100% view: full resolution, dragged to pan; hold to see the original --------

  // The Before of the 100% view: the original itself where the browser decodes it to
  // the size the server read (JPEG, PNG, WEBP; upright by its EXIF orientation, as
  // the server turns it), else the small preview, enlarged.
  function loadFullBefore(file, info) {
    const url = URL.createObjectURL(file);
    const probe = new Image();
    probe.onload = () => {
      const same = probe.naturalWidth === info.width && probe.naturalHeight === info.height;
      if (same && state.file === file) {
        state.fullBefore = url;
        if (state.zoomed) el.before.src = url;
      } else URL.revokeObjectURL(url);
    };
    probe.onerror = () => URL.revokeObjectURL(url);
    probe.src = url;
  }

  // refresh: ask for a preview if the one kept was made with other settings.
  function setZoom(on, refresh = true) {
    const zoom = $("zoom");
    if (on && !state.info) return;
    if (on === state.zoomed) return;
    state.zoomed = on;
    zoom.setAttribute("aria-pressed", String(on));
    zoom.textContent = on ? "Fit to window" : "100%";
    if (on) {
      // The box keeps its size on screen; the photo inside is shown pixel for pixel.
      const box = el.compare.getBoundingClientRect();
      el.compare.style.width = `${box.width}px`;
      el.compare.style.height = `${box.height}px`;
      el.compare.classList.add("zoomed");
      el.compare.tabIndex = 0;  // arrow keys pan, for those without a mouse
      for (const img of [el.before, el.after]) {
        img.style.width = `${state.info.width}px`;
        img.style.height = `${state.info.height}px`;
      }
      state.pan = { x: (box.width - state.info.width) / 2, y: (box.height - state.info.height) / 2 };
      if (state.fullBefore) el.before.src = state.fullBefore;
      if (state.zoomKey === settingsKey()) el.after.src = state.zoomUrl;
      else preview();  // meanwhile the preview's After, enlarged
    } else {
      el.compare.classList.remove("zoomed");
      el.compare.removeAttribute("tabindex");
      for (const node of [el.compare, el.before, el.after]) {
        node.style.width = node.style.height = node.style.transform = "";
      }
      if (state.info) el.before.src = state.info.preview;
      if (state.afterUrl) el.after.src = state.afterUrl;
      if (refresh && state.info && state.previewKey !== settingsKey()) preview();
    }
    panBy(0, 0);
  }

  // Moves the photo by (dx, dy), never leaving a gap at an edge it covers.
  function panBy(dx, dy) {
    if (!state.zoomed) { setSplit(state.split); return; }
    const box = el.compare.getBoundingClientRect();
    const fit = (v, inner, outer) => (inner <= outer ? (outer - inner) / 2
      : Math.min(0, Math.max(outer - inner, v)));
    state.pan.x = fit(state.pan.x + dx, state.info.width, box.width);
    state.pan.y = fit(state.pan.y + dy, state.info.height, box.height);
    const t = `translate(${state.pan.x}px, ${state.pan.y}px)`;
    el.before.style.transform = el.after.style.transform = t;
    setSplit(state.split);
  }

  // ---- comparison slider (mouse, touch, keyboard) ---------------------------------------

  function setSplit(percent) {
    const p = Math.max(0, Math.min(100, percent));
    state.split = p;
    if (state.zoomed) {  // the divider is in the window, the clip in the panned photo
      const x = (p / 100) * el.compare.clientWidth - state.pan.x;
      el.after.style.clipPath = `inset(0 0 0 ${Math.max(0, x)}px)`;
    } else el.after.style.clipPath = `inset(0 0 0 ${p}%)`;
    el.divider.style.left = `${p}%`;
    el.divider.setAttribute("aria-valuenow", String(Math.round(p)));
  }
  function splitAt(clientX) {
    const r = el.compare.getBoundingClientRect();
    setSplit(((clientX - r.left) / r.width) * 100);
  }

  let dragging = false;
  let panning = null;  // the last pointer position while the 100% view is dragged
  if (window.PointerEvent) {
    el.compare.addEventListener("pointerdown", (e) => {
      e.preventDefault();  // no native image drag or text selection while comparing
      el.compare.setPointerCapture(e.pointerId);
      // In the 100% view a drag pans the photo; the divider moves by its handle.
      if (state.zoomed && !el.divider.contains(e.target)) {
        panning = { x: e.clientX, y: e.clientY };
        return;
      }
      dragging = true;
      splitAt(e.clientX);
    });
    el.compare.addEventListener("pointermove", (e) => {
      if (panning) {
        panBy(e.clientX - panning.x, e.clientY - panning.y);
        panning = { x: e.clientX, y: e.clientY };
      } else if (dragging) splitAt(e.clientX);
    });
    const stop = () => { dragging = false; panning = null; };
    el.compare.addEventListener("pointerup", stop);
    el.compare.addEventListener("pointercancel", stop);
  } else {  // old mobile browsers: touch events
    el.compare.addEventListener("touchstart", (e) => splitAt(e.touches[0].clientX), { passive: true });
    el.compare.addEventListener("touchmove", (e) => splitAt(e.touches[0].clientX), { passive: true });
    el.compare.addEventListener("mousedown", (e) => { dragging = true; splitAt(e.clientX); });
    window.addEventListener("mousemove", (e) => dragging && splitAt(e.clientX));
    window.addEventListener("mouseup", () => { dragging = false; });
  }
  el.compare.addEventListener("dragstart", (e) => e.preventDefault());
  // In the 100% view the arrow keys pan the photo (Shift: further); the divider,
  // focused on its own, keeps its arrows.
  el.compare.addEventListener("keydown", (e) => {
    if (!state.zoomed || e.target !== el.compare) return;
    const step = e.shiftKey ? 200 : 40;
    const move = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step],
      ArrowDown: [0, -step] }[e.key];
    if (!move) return;
    e.preventDefault();
    panBy(...move);
  });
  el.divider.addEventListener("keydown", (e) => {
    const now = Number(el.divider.getAttribute("aria-valuenow"));
    const step = e.shiftKey ? 10 : 2;
    if (e.key === "ArrowLeft") setSplit(now - step);
    else if (e.key === "ArrowRight") setSplit(now + step);
    else return;
    e.preventDefault();
  });

  // ---- wiring ---------------------------------------------------------------------------

  el.file.addEventListener("change", () => {
    const files = [...el.file.files];
    // Emptied, so that choosing the same file again (after a drop, or a refusal) is a
    // change: the browser fires none for a value that stays the same.
    el.file.value = "";
    choose(files);
  });
  for (const type of ["dragenter", "dragover"]) {
    el.drop.addEventListener(type, (e) => { e.preventDefault(); el.drop.classList.add("over"); });
  }
  for (const type of ["dragleave", "drop"]) {
    el.drop.addEventListener(type, (e) => { e.preventDefault(); el.drop.classList.remove("over"); });
  }
  el.drop.addEventListener("drop", (e) => choose(e.dataTransfer.files));
  // A photo dropped anywhere else must not make the browser navigate away from the page.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());

  for (const s of sliders) {
    s.input.addEventListener("input", () => {
      s.out.textContent = Number(s.input.value).toFixed(2);
      state.tuned = true;
      schedule();
    });
  }
  el.auto.addEventListener("click", () => {
    if (!state.info) return;
    state.tuned = false;
    setSliders(autoValues());
    schedule();
  });
  $("exposure").addEventListener("change", schedule);
  $("model").addEventListener("change", () => {
    // Untouched sliders follow the new model's automatic values; tuned ones stay.
    if (state.info && !state.tuned) setSliders(autoValues());
    schedule();
  });
  el.download.addEventListener("click", download);
  $("light").addEventListener("change", schedule);
  for (const id of ["scale", "format"]) $(id).addEventListener("change", showRelevant);
  $("quality").addEventListener("input", () => {
    $("quality-out").textContent = $("quality").value;
  });
  el.cancel.addEventListener("click", () => state.downloadXhr && state.downloadXhr.abort());
  $("zoom").addEventListener("click", () => setZoom(!state.zoomed));
  el.compare.addEventListener("dblclick", () => setZoom(!state.zoomed));
  // The 100% view's box was sized for the window: a new width ends it. (A phone's
  // height changes as its address bar slides while scrolling; that one does not.)
  let windowWidth = window.innerWidth;
  window.addEventListener("resize", () => {
    if (window.innerWidth !== windowWidth) setZoom(false);
    windowWidth = window.innerWidth;
  });
  // Press and hold (mouse, finger or Space) to see the original in place of the result.
  const hold = $("hold");
  const showOriginal = (on) => el.compare.classList.toggle("original", on);
  hold.addEventListener("pointerdown", (e) => { e.preventDefault(); showOriginal(true); });
  for (const type of ["pointerup", "pointerleave", "pointercancel", "blur"]) {
    hold.addEventListener(type, () => showOriginal(false));
  }
  hold.addEventListener("keydown", (e) => {
    if (e.key === " " || e.key === "Enter") { e.preventDefault(); showOriginal(true); }
  });
  hold.addEventListener("keyup", () => showOriginal(false));
  hold.addEventListener("contextmenu", (e) => e.preventDefault());  // a long press on a phone
  $("explain").addEventListener("click", explain);
  el.another.addEventListener("click", () => { el.file.value = ""; el.file.click(); });
  el.more.addEventListener("click", () => { el.moreFiles.value = ""; el.moreFiles.click(); });
  el.moreFiles.addEventListener("change", () => {
    if (el.moreFiles.files.length) runBatch(Array.from(el.moreFiles.files), true);
  });
  el.batchDelete.addEventListener("click", deleteJob);
  el.batchClose.addEventListener("click", () => {
    clearTimeout(state.batchTimer);
    el.batch.hidden = true;
    // Back to the photo that was on screen before the list (several photos chosen hid
    // it), or to the start page: never to a page with neither.
    if (state.file) el.work.hidden = false;
    else document.body.classList.remove("has-photo");
  });

  setSplit(50);
  // Offered only where the server has the report module (it answers 501 otherwise).
  fetch("/v1/report").then((r) => r.json()).then((r) => { $("explain").hidden = !r.available; })
    .catch(() => { /* no report link */ });
  fetch("/healthz").then((r) => r.json()).then((h) => {
    state.maxUploadMb = h.max_upload_mb;
    state.maxMegapixels = h.max_megapixels;
    limitScale();
    state.maxJobFiles = h.max_job_files;
    el.limits.textContent = `Up to ${h.max_upload_mb} MB and ${h.max_megapixels} megapixels.`;
    const minutes = Math.round(h.job_ttl_s / 60);
    el.keep.textContent = minutes >= 1 ? `for up to ${minutes} minute${minutes === 1 ? "" : "s"}`
      : `for up to ${Math.round(h.job_ttl_s)} seconds`;
  }).catch(() => { /* the page still works without the limits line */ });
})();
