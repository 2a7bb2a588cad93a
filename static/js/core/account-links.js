/**
 * The lobby's account links, from `GET /api/session/`: the leaderboard always; a signed-in
 * player's profile (with its account's name); a guest's profile once it has one, and sign up and
 * log in (signing up keeps what the guest played).
 */

/** The links `[{label, href}]` for a session (`{signed_in, username, player_id}`). */
export function accountLinks(session) {
  const links = [{ label: "Leaderboard", href: "/leaderboard/", kind: "leaderboard" }];
  if (session?.signed_in) {
    const label = session.username ? `Profile (${session.username})` : "Profile";
    links.push({ label, href: "/players/me/", kind: "profile" });
    return links;
  }
  if (session?.player_id != null) {
    links.push({ label: "Profile", href: "/players/me/", kind: "profile" });
  }
  links.push({ label: "Log in", href: "/accounts/login/", kind: "login" });
  links.push({ label: "Sign up", href: "/accounts/signup/", kind: "signup" });
  return links;
}

/** Put the session's links into `nav` (the lobby's `#account-nav`). */
export function showAccountLinks(document, nav, session) {
  if (!nav) return;
  nav.replaceChildren(
    ...accountLinks(session).map(({ label, href, kind }) => {
      const link = document.createElement("a");
      link.href = href;
      link.textContent = label;
      link.dataset.kind = kind;
      return link;
    }),
  );
}
