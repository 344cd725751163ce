/** The operation Apollo Sandbox opens with on rollcall's landing page (outside production). */
export const EXAMPLE_OPERATION = `# Which providers are on, then everyone across every provider, 13 at a time.
# Pass pageInfo.endCursor as $after for the next page.
query Directory($after: String) {
  providers { provider enabled mode circuit }
  users(first: 13, after: $after) {
    totalCount
    edges {
      cursor
      node {
        __typename id provider providerUserId displayName email active createdAt
        ... on TwilioConversationUser { identity attributes }
        ... on CometChatUser { status role tags }
        ... on VoximplantUser { acdStatus skills { skillName } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;
