import { z } from 'zod';

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
  .nullish();
