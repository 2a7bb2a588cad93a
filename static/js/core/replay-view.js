/**
 * The replay viewer (`#replay/<match id>`, shared as `/replay/<match id>`): a finished match of
 * any game played back through the spectator view (spectate.js), the same game module drawing
 * it, the same scoreboard, kill feed, camera and following, fed by a `ReplaySocket` (replay.js)
 * on a playback clock: play and pause (space), seek anywhere (the slider, or ←/→ by five
 * seconds: the view starts again from the nearest KEYFRAME before the tick, fed the moments
 * before it so that the kill feed is as it was), 0.25× to 4×, follow any player as a spectator
 * does. A replay the server is still saving (its match just ended) is asked for again.
 */

import { formatClock } from "./format.js";
import {
  PlaybackClock,
  ReplaySocket,
  ReplayTimeline,
  SPEEDS,
  backfillTick,
  fetchReplay,
} from "./replay.js";
import { Spectator } from "./spectate.js";

/** A replay not there yet (404) is asked for again this often, this many times. */
const RETRY_MS = 1500;
const RETRIES = 12;
const SEEK_STEP_MS = 5000;
const EDITABLE = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/** The replay view inside the game view (app.js shows and hides it). */
export class ReplayView {
  constructor({
    root = document,
    hud,
    body,
    canvas,
    scoreboard,
    touchMode = () => false,
    onMissing,
    onGameShown,
    load = fetchReplay,
    now = () => performance.now(),
    wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  }) {
    this.hud = hud;
    this.body = body;
    this.load = load;
    this.now = now;
    this.wait = wait;
    this.onMissing = onMissing;
    this.matchId = null;
    this.timeline = null;
    this.clock = null;
    this.socket = null;
    this.primed = false;
    this.fromTick = 0;
    this.followId = null;
    this.attempt = 0;
    this.spectator = new Spectator({
      hud,
      body,
      canvas,
      scoreboard,
      sounds: null,
      touchMode,
      onMissing,
      onGameShown,
      openSocket: (_url, handlers) => this.openSocket(handlers),
    });
    this.controls = root.getElementById("replay-controls");
    this.playButton = root.getElementById("replay-play");
    this.seekBar = root.getElementById("replay-seek");
    this.timeText = root.getElementById("replay-time");
    this.speedSelect = root.getElementById("replay-speed");
    this.playButton.addEventListener("click", () => this.togglePlay());
    this.seekBar.addEventListener("input", () => this.seekMs(Number(this.seekBar.value)));
    this.speedSelect.addEventListener("change", () =>
      this.setSpeed(Number(this.speedSelect.value)),
    );
    window.addEventListener("keydown", (event) => this.onKey(event));
  }

  /** True while a replay is shown (loading included). */
  get active() {
    return this.matchId !== null;
  }

  /** Load the replay of `matchId` and play it from the start. */
  async start(matchId) {
    this.stop();
    this.matchId = matchId;
    const attempt = ++this.attempt;
    this.hud.reset();
    this.hud.setStatus("loading the replay…", "pending");
    this.controls.hidden = false;
    this.body.dataset.replay = "loading";
    let replay = null;
    for (let tries = 0; replay === null; tries += 1) {
      try {
        replay = await this.load(matchId);
      } catch (error) {
        if (attempt !== this.attempt) return;
        if (error.status === 404 && /no replay/.test(error.message) && tries < RETRIES) {
          this.hud.setStatus("the replay is being saved…", "pending");
          await this.wait(RETRY_MS);
          if (attempt !== this.attempt) return;
          continue;
        }
        this.body.dataset.replay = "error";
        if (error.status === 404 && /no such match/.test(error.message)) {
          this.onMissing?.("unknown");
          return;
        }
        this.hud.setStatus("no replay", "error");
        this.hud.showNotice(`This replay cannot be shown: ${error.message}.`, false);
        return;
      }
    }
    if (attempt !== this.attempt) return;
    this.timeline = new ReplayTimeline(replay);
    this.clock = new PlaybackClock(this.timeline.durationMs, this.now());
    this.seekBar.max = String(Math.round(this.timeline.durationMs));
    this.speedSelect.value = "1";
    this.body.dataset.replay = "ready";
    this.seekTick(this.timeline.firstTick);
    this.clock.play(this.now());
    this.showControls(0);
  }

  /** Leave the replay. */
  stop() {
    this.attempt += 1;
    this.spectator.stop();
    this.matchId = null;
    this.timeline = null;
    this.clock = null;
    this.socket = null;
    this.followId = null;
    this.controls.hidden = true;
    delete this.body.dataset.replay;
  }

  /** The spectator view's socket for the current seek (spectate.js calls it on `start`). */
  openSocket(handlers) {
    this.socket = new ReplaySocket(this.timeline, handlers, { fromTick: this.fromTick });
    return this.socket;
  }

  /** Show the match as it was at `tick`: the view starts again from the KEYFRAME before it. */
  seekTick(tick) {
    const timeline = this.timeline;
    if (!timeline) return;
    const target = Math.min(timeline.lastTick, Math.max(timeline.firstTick, tick));
    const followed = this.spectator.session?.followId ?? this.followId;
    this.followId = followed;
    this.clock.seek(timeline.timeOf(target), this.now());
    this.fromTick = backfillTick(timeline, target);
    this.primed = false;
    this.spectator.start(this.matchId); // a new session: the HUD and the kill feed start over
    this.socket.begin(timeline.timeOf(this.fromTick));
    this.hud.setStatus(this.statusText(), "ok");
  }

  /** Seek to `ms` into the replay. */
  seekMs(ms) {
    if (this.timeline) this.seekTick(this.timeline.tickAt(ms));
  }

  togglePlay() {
    const clock = this.clock;
    if (!clock) return;
    if (clock.playing) clock.pause(this.now());
    else {
      const restart = clock.at(this.now()) >= clock.durationMs;
      clock.play(this.now());
      if (restart) this.seekTick(this.timeline.firstTick);
    }
    this.hud.setStatus(this.statusText(), "ok");
  }

  /** Play at `speed` (one of SPEEDS). */
  setSpeed(speed) {
    if (!this.clock || !SPEEDS.includes(speed)) return;
    this.clock.setSpeed(speed, this.now());
    this.speedSelect.value = String(speed);
    this.hud.setStatus(this.statusText(), "ok");
  }

  /** Follow player `id`, as a spectator does (kept across seeks). */
  follow(id) {
    this.followId = id;
    this.spectator.follow(id);
  }

  statusText() {
    const clock = this.clock;
    if (!clock) return "replay";
    return `replay · ${clock.playing ? "playing" : "paused"} · ${clock.speed}×`;
  }

  onKey(event) {
    if (!this.timeline || event.defaultPrevented || this.body.dataset.view !== "watch") return;
    if (EDITABLE.has(event.target?.tagName) && event.target !== this.seekBar) return;
    if (event.key === " " || event.code === "Space") {
      event.preventDefault();
      this.togglePlay();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      event.preventDefault();
      const step = event.key === "ArrowLeft" ? -SEEK_STEP_MS : SEEK_STEP_MS;
      this.seekMs(this.clock.at(this.now()) + step);
    }
  }

  /** Draw at real time `realNow` (every animation frame while shown): the clock's moment. */
  frame(realNow) {
    const { clock, socket } = this;
    if (!clock || !socket) return;
    const ms = clock.at(realNow);
    if (!this.primed && this.spectator.session?.game) {
      this.primed = true; // its module is there: its events (the kill feed) can be taken
      socket.advance(ms);
      if (this.followId !== null) this.spectator.follow(this.followId);
    } else if (this.primed) {
      socket.advance(ms);
    }
    const wasPlaying = clock.playing;
    clock.settle(realNow);
    if (wasPlaying && !clock.playing) this.hud.setStatus(this.statusText(), "ok");
    this.spectator.frame(ms);
    this.showControls(ms);
  }

  showControls(ms) {
    const clock = this.clock;
    if (!clock) return;
    this.playButton.textContent = clock.playing ? "Pause" : "Play";
    this.playButton.setAttribute("aria-pressed", String(clock.playing));
    if (document.activeElement !== this.seekBar) this.seekBar.value = String(Math.round(ms));
    this.timeText.textContent = `${formatClock(ms)} / ${formatClock(clock.durationMs)}`;
  }

  /** What the debug hook shows: the spectator view's state and the playback's. */
  debugState() {
    const { timeline, clock } = this;
    if (!timeline || !clock) return this.matchId ? { matchId: this.matchId, loading: true } : null;
    const ms = clock.at(this.now());
    return {
      ...this.spectator.debugState(),
      matchId: this.matchId,
      loading: false,
      primed: this.primed,
      positionMs: ms,
      positionTick: timeline.tickAt(ms),
      durationMs: timeline.durationMs,
      firstTick: timeline.firstTick,
      lastTick: timeline.lastTick,
      fedFrom: this.socket ? timeline.keyframeAtOrBefore(this.fromTick) : null,
      speed: clock.speed,
      playing: clock.playing,
      gaps: timeline.gaps.map((gap) => ({ ...gap })),
      killFeed: [...document.querySelectorAll("#killfeed li")].map((li) => li.textContent),
    };
  }
}
