/**
 * @generated SignedSource<<8922db45bcab3961a9e473e3b68455cc>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ConcreteRequest } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type TwilioUserRefetchQuery$variables = {
  id: string;
};
export type TwilioUserRefetchQuery$data = {
  readonly node: {
    readonly " $fragmentSpreads": FragmentRefs<"fragmentsTwilioUser_user">;
  } | null | undefined;
};
export type TwilioUserRefetchQuery = {
  response: TwilioUserRefetchQuery$data;
  variables: TwilioUserRefetchQuery$variables;
};

const node: ConcreteRequest = (function(){
var v0 = [
  {
    "defaultValue": null,
    "kind": "LocalArgument",
    "name": "id"
  }
],
v1 = [
  {
    "kind": "Variable",
    "name": "id",
    "variableName": "id"
  }
];
return {
  "fragment": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Fragment",
    "metadata": null,
    "name": "TwilioUserRefetchQuery",
    "selections": [
      {
        "alias": null,
        "args": (v1/*:: as any*/),
        "concreteType": null,
        "kind": "LinkedField",
        "name": "node",
        "plural": false,
        "selections": [
          {
            "args": null,
            "kind": "FragmentSpread",
            "name": "fragmentsTwilioUser_user"
          }
        ],
        "storageKey": null
      }
    ],
    "type": "Query",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Operation",
    "name": "TwilioUserRefetchQuery",
    "selections": [
      {
        "alias": null,
        "args": (v1/*:: as any*/),
        "concreteType": null,
        "kind": "LinkedField",
        "name": "node",
        "plural": false,
        "selections": [
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "__typename",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "id",
            "storageKey": null
          },
          {
            "kind": "InlineFragment",
            "selections": [
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
              }
            ],
            "type": "TwilioConversationUser",
            "abstractKey": null
          }
        ],
        "storageKey": null
      }
    ]
  },
  "params": {
    "cacheID": "fe39efaa0bbf6d2c2d0eb7fa66aeb37b",
    "id": null,
    "metadata": {},
    "name": "TwilioUserRefetchQuery",
    "operationKind": "query",
    "text": "query TwilioUserRefetchQuery(\n  $id: ID!\n) {\n  node(id: $id) {\n    __typename\n    ...fragmentsTwilioUser_user\n    id\n  }\n}\n\nfragment fragmentsTwilioUser_user on TwilioConversationUser {\n  id\n  sid\n  identity\n  friendlyName\n  attributes\n  isOnline\n  dateCreated\n}\n"
  }
};
})();

(node as any).hash = "37d572be0dd2636eb1d2336830183ef4";

export default node;
