/**
 * @generated SignedSource<<bd3732fa9dbb3f9cb564abae6fa2d1c2>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type Provider = "ADA" | "COMETCHAT" | "TWILIO_CONVERSATIONS" | "TWO_CHAT" | "VOXIMPLANT" | "%future added value";
export type ProviderMode = "EMULATED" | "LIVE" | "%future added value";
export type fragmentsAppQuery$variables = Record<PropertyKey, never>;
export type fragmentsAppQuery$data = {
  readonly providers: ReadonlyArray<{
    readonly enabled: boolean;
    readonly mode: ProviderMode | null | undefined;
    readonly provider: Provider;
  }> | null | undefined;
  readonly " $fragmentSpreads": FragmentRefs<"fragmentsTwilioList_query" | "fragmentsUserList_query">;
};
export type fragmentsAppQuery = {
  response: fragmentsAppQuery$data;
  variables: fragmentsAppQuery$variables;
};

const node: ConcreteRequest = (function(){
var v0 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "provider",
  "storageKey": null
},
v1 = {
  "alias": null,
  "args": null,
  "concreteType": "ProviderStatus",
  "kind": "LinkedField",
  "name": "providers",
  "plural": true,
  "selections": [
    (v0/*:: as any*/),
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "enabled",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "mode",
      "storageKey": null
    }
  ],
  "storageKey": null
},
v2 = [
  {
    "kind": "Literal",
    "name": "first",
    "value": 20
  }
],
v3 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "__typename",
  "storageKey": null
},
v4 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "id",
  "storageKey": null
},
v5 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "cursor",
  "storageKey": null
},
v6 = {
  "alias": null,
  "args": null,
  "concreteType": "PageInfo",
  "kind": "LinkedField",
  "name": "pageInfo",
  "plural": false,
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "endCursor",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "hasNextPage",
      "storageKey": null
    }
  ],
  "storageKey": null
},
v7 = [
  {
    "kind": "Literal",
    "name": "first",
    "value": 50
  }
];
return {
  "fragment": {
    "argumentDefinitions": [],
    "kind": "Fragment",
    "metadata": null,
    "name": "fragmentsAppQuery",
    "selections": [
      {
        "args": null,
        "kind": "FragmentSpread",
        "name": "fragmentsUserList_query"
      },
      {
        "args": null,
        "kind": "FragmentSpread",
        "name": "fragmentsTwilioList_query"
      },
      (v1/*:: as any*/)
    ],
    "type": "Query",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": [],
    "kind": "Operation",
    "name": "fragmentsAppQuery",
    "selections": [
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "concreteType": "UserConnection",
        "kind": "LinkedField",
        "name": "users",
        "plural": false,
        "selections": [
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "totalCount",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "concreteType": "UserEdge",
            "kind": "LinkedField",
            "name": "edges",
            "plural": true,
            "selections": [
              {
                "alias": null,
                "args": null,
                "concreteType": null,
                "kind": "LinkedField",
                "name": "node",
                "plural": false,
                "selections": [
                  (v3/*:: as any*/),
                  (v4/*:: as any*/),
                  {
                    "kind": "TypeDiscriminator",
                    "abstractKey": "__isUser"
                  },
                  (v0/*:: as any*/),
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "displayName",
                    "storageKey": null
                  },
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "email",
                    "storageKey": null
                  },
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "avatarUrl",
                    "storageKey": null
                  },
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "active",
                    "storageKey": null
                  }
                ],
                "storageKey": null
              },
              (v5/*:: as any*/)
            ],
            "storageKey": null
          },
          (v6/*:: as any*/)
        ],
        "storageKey": "users(first:20)"
      },
      {
        "alias": null,
        "args": (v2/*:: as any*/),
        "filters": null,
        "handle": "connection",
        "key": "UserList_users",
        "kind": "LinkedHandle",
        "name": "users"
      },
      {
        "alias": null,
        "args": (v7/*:: as any*/),
        "concreteType": "TwilioConversationUserConnection",
        "kind": "LinkedField",
        "name": "twilioConversationUsers",
        "plural": false,
        "selections": [
          {
            "alias": null,
            "args": null,
            "concreteType": "TwilioConversationUserEdge",
            "kind": "LinkedField",
            "name": "edges",
            "plural": true,
            "selections": [
              {
                "alias": null,
                "args": null,
                "concreteType": "TwilioConversationUser",
                "kind": "LinkedField",
                "name": "node",
                "plural": false,
                "selections": [
                  (v4/*:: as any*/),
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "sid",
                    "storageKey": null
                  },
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "identity",
                    "storageKey": null
                  },
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "friendlyName",
                    "storageKey": null
                  },
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "attributes",
                    "storageKey": null
                  },
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "isOnline",
                    "storageKey": null
                  },
                  {
                    "alias": null,
                    "args": null,
                    "kind": "ScalarField",
                    "name": "dateCreated",
                    "storageKey": null
                  },
                  (v3/*:: as any*/)
                ],
                "storageKey": null
              },
              (v5/*:: as any*/)
            ],
            "storageKey": null
          },
          (v6/*:: as any*/)
        ],
        "storageKey": "twilioConversationUsers(first:50)"
      },
      {
        "alias": null,
        "args": (v7/*:: as any*/),
        "filters": null,
        "handle": "connection",
        "key": "TwilioList_twilioConversationUsers",
        "kind": "LinkedHandle",
        "name": "twilioConversationUsers"
      },
      (v1/*:: as any*/)
    ]
  },
  "params": {
    "cacheID": "df7e1500a4333afad7ae11392163a047",
    "id": null,
    "metadata": {},
    "name": "fragmentsAppQuery",
    "operationKind": "query",
    "text": "query fragmentsAppQuery {\n  ...fragmentsUserList_query\n  ...fragmentsTwilioList_query\n  providers {\n    provider\n    enabled\n    mode\n  }\n}\n\nfragment fragmentsTwilioList_query on Query {\n  twilioConversationUsers(first: 50) {\n    edges {\n      node {\n        ...fragmentsTwilioUser_user\n        id\n        __typename\n      }\n      cursor\n    }\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n  }\n}\n\nfragment fragmentsTwilioUser_user on TwilioConversationUser {\n  id\n  sid\n  identity\n  friendlyName\n  attributes\n  isOnline\n  dateCreated\n}\n\nfragment fragmentsUserCard_user on User {\n  __isUser: __typename\n  id\n  provider\n  displayName\n  email\n  avatarUrl\n  active\n}\n\nfragment fragmentsUserList_query on Query {\n  users(first: 20) {\n    totalCount\n    edges {\n      node {\n        __typename\n        id\n        ...fragmentsUserCard_user\n      }\n      cursor\n    }\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "1009829e5233d8a69e7d223cfc8e99e3";

export default node;
