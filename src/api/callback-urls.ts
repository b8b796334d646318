import { z } from 'zod';

/** Callback URLs one run may list. The server posts to each when the run ends. */
export const MAX_CALLBACK_URLS = 10;

/**
 * The `user_callback_urls` field of a start request: http or https URLs that the server posts
 * the run's end to. A user name or password in a URL is rejected, because logs and error
 * messages would carry the URL; a token belongs in the query, which logs leave out.
 */
export const callbackUrls = z
  .array(
    z.url({ protocol: /^https?$/ }).refine(
      (url) => {
        // A text that is no URL at all has failed the check before, which still runs this one.
        if (!URL.canParse(url)) return true;
        const parsed = new URL(url);
        return parsed.username === '' && parsed.password === '';
      },
      {
        message:
          'a callback URL must not contain a user name or password; put a token in its query',
      },
    ),
  )
  .max(MAX_CALLBACK_URLS, {
    message: `list at most ${MAX_CALLBACK_URLS} callback URLs; each one gets the run's end`,
  })
  .nullish();
