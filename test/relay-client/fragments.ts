/**
 * Client fragments a Relay app would write against rollcall. `npm run relay:validate` checks them (and
 * their committed artifacts) against the printed API schema: connections with @connection, and
 * @refetchable on a user interface and a concrete user type (refetched through `node`).
 * The tag is a plain template here; relay-compiler reads the text, nothing imports relay-runtime.
 */
const graphql = String.raw;

export const UserList = graphql`
  fragment fragmentsUserList_query on Query
  @refetchable(queryName: "UserListPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" }) {
    users(first: $count, after: $cursor) @connection(key: "UserList_users") {
      totalCount
      edges {
        node {
          id
          ...fragmentsUserCard_user
        }
      }
    }
  }
`;

export const UserCard = graphql`
  fragment fragmentsUserCard_user on User @refetchable(queryName: "UserCardRefetchQuery") {
    id
    provider
    displayName
    email
    avatarUrl
    active
  }
`;

export const TwilioList = graphql`
  fragment fragmentsTwilioList_query on Query
  @refetchable(queryName: "TwilioListPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 50 }, cursor: { type: "String" }) {
    twilioConversationUsers(first: $count, after: $cursor)
      @connection(key: "TwilioList_twilioConversationUsers") {
      edges {
        node {
          ...fragmentsTwilioUser_user
        }
      }
    }
  }
`;

export const TwilioUser = graphql`
  fragment fragmentsTwilioUser_user on TwilioConversationUser
  @refetchable(queryName: "TwilioUserRefetchQuery") {
    id
    sid
    identity
    friendlyName
    attributes
    isOnline
    dateCreated
  }
`;

export const AppQuery = graphql`
  query fragmentsAppQuery {
    ...fragmentsUserList_query
    ...fragmentsTwilioList_query
    providers {
      provider
      enabled
      mode
    }
  }
`;
