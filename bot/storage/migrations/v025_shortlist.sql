-- The reward shortlist (issue 17): admins nominate teams and volunteers of a campaign for a
-- reward, each with a short reason, and export the list for the official proposal. A nominee
-- is a team or a volunteer, never both; a volunteer's /deleteme removes their nomination
-- (CASCADE), and so does a team's removal. Nothing else about them is kept here: their
-- figures and names are read from the reports when the list is shown or exported.
CREATE TABLE shortlist (
    id         INTEGER PRIMARY KEY,
    campaign   TEXT    NOT NULL,                -- the campaign's key in config.yaml
    team_id    INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    reason     TEXT    NOT NULL,                -- the admin's reason, one line, at most 300
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    CHECK ((team_id IS NULL) != (user_id IS NULL))
);
-- One nomination per team and per volunteer in a campaign; the campaign's list in order.
CREATE UNIQUE INDEX shortlist_teams ON shortlist (campaign, team_id) WHERE team_id IS NOT NULL;
CREATE UNIQUE INDEX shortlist_volunteers ON shortlist (campaign, user_id)
    WHERE user_id IS NOT NULL;
CREATE INDEX shortlist_by_campaign ON shortlist (campaign, id);
-- /deleteme and a team's removal find their nominations.
CREATE INDEX shortlist_by_team ON shortlist (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX shortlist_by_user ON shortlist (user_id) WHERE user_id IS NOT NULL;
