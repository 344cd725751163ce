/**
 * @generated SignedSource<<d3b357645e052885b893381b8c43353a>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type fragmentsTwilioList_query$data = {
  readonly twilioConversationUsers: {
    readonly edges: ReadonlyArray<{
      readonly node: {
        readonly " $fragmentSpreads": FragmentRefs<"fragmentsTwilioUser_user">;
      };
    }>;
  } | null | undefined;
  readonly " $fragmentType": "fragmentsTwilioList_query";
};
export type fragmentsTwilioList_query$key = {
  readonly " $data"?: fragmentsTwilioList_query$data;
  readonly " $fragmentSpreads": FragmentRefs<"fragmentsTwilioList_query">;
};

import TwilioListPaginationQuery_graphql from './TwilioListPaginationQuery.graphql';

const node: ReaderFragment = (function(){
var v0 = [
  "twilioConversationUsers"
];
return {
  "argumentDefinitions": [
    {
      "defaultValue": 50,
      "kind": "LocalArgument",
      "name": "count"
    },
    {
      "defaultValue": null,
      "kind": "LocalArgument",
      "name": "cursor"
    }
  ],
  "kind": "Fragment",
  "metadata": {
    "connection": [
      {
        "count": "count",
        "cursor": "cursor",
        "direction": "forward",
        "path": (v0/*:: as any*/)
      }
    ],
    "refetch": {
      "connection": {
        "forward": {
          "count": "count",
          "cursor": "cursor"
        },
        "backward": null,
        "path": (v0/*:: as any*/)
      },
      "fragmentPathInResult": [],
      "operation": TwilioListPaginationQuery_graphql
    }
  },
  "name": "fragmentsTwilioList_query",
  "selections": [
    {
      "alias": "twilioConversationUsers",
      "args": null,
      "concreteType": "TwilioConversationUserConnection",
      "kind": "LinkedField",
      "name": "__TwilioList_twilioConversationUsers_connection",
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
                {
                  "args": null,
                  "kind": "FragmentSpread",
                  "name": "fragmentsTwilioUser_user"
                },
                {
                  "alias": null,
                  "args": null,
                  "kind": "ScalarField",
                  "name": "__typename",
                  "storageKey": null
                }
              ],
              "storageKey": null
            },
            {
              "alias": null,
              "args": null,
              "kind": "ScalarField",
              "name": "cursor",
              "storageKey": null
            }
          ],
          "storageKey": null
        },
        {
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
        }
      ],
      "storageKey": null
    }
  ],
  "type": "Query",
  "abstractKey": null
};
})();

(node as any).hash = "f2f2c67c561ac58e4de83afb4ae27e1d";

export default node;
