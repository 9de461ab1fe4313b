"""Every sentence the bot says, one module per feature, so it can be reviewed and translated.

Written once in Slack's mrkdwn (`*bold*`, `<@ID>` mentions, `<!date^…|fallback>` dates); each front end
translates the little markup it cannot show (the console prints names and the fallback date). `base` holds what
every feature builds on and imports no feature; `answers` is the switchboard that hands any outcome, refusal or
scheduled message to its feature, and no feature imports it. Import the module you need; nothing is re-exported.
"""
