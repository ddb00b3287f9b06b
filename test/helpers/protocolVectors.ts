// Published UID2 test data (sources in docs/uid2-protocol.md), shared by the protocol specs
// and the operator specs.

/** uid2-client-java PublisherTests: envelope secret, IV, nonce and timestamp */
export const PUBLISHER_TESTS = {
  secret: 'ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=',
  ivHex: 'cc3ccaca9889eab3800e787e',
  nonceHex: '312fe5aa08b2a049',
  timestamp: 1667885597644,
  requests: [
    {
      json: { email: 'test@example.com' },
      envelope: 'Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7JYMJj8YqD9EsrG3d2d2j0H7kZjH41YsNLpFVCH+oce28z9L9ug==',
    },
    {
      json: { phone: '+12345678901' },
      envelope: 'Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYqX+4JXyJYMJ0JJrSKV84juIkIH33GCmx+7RM2pSX9P4nAN0pn2g',
    },
    {
      json: { email_hash: 'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ=' },
      envelope:
        'Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7WNFKiMt7QbM9mWHZwOWPyVTqSnDVNzhXRdcmIkV0ODOdll2inDo9iIZQ5oV2NvSUSWG5j6ACiXKH0JxiTPzs716eIH7P1Q==',
    },
    {
      json: { email_hash: '1hFzBkhe0OUK+rOshx6Y+BaZFR8wKBUn1j/18jNlbGk=' },
      envelope:
        'Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYrD77pL7WNFKiMt7QbN4vErK69qumy3EXliuNSZ0a/4mTht7DyqMjF20oUECkYNZvtJhGo+wfXSDj6ACEfrViY4lnt1KEUjC4JlDaQ==',
    },
    {
      json: { phone_hash: 'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4=' },
      envelope:
        'Acw8ysqYieqzgA54fifdV1TB6V+da8p/AFc8Ju/IYqX+4JXyWNFKiMt7QbMMm27H3fmEq2zPRUnXdFpLTdVdc0RNWxOruBaarHYQksdqpbkVFa+walbcj6AClILBJjbDMl1IoeqJVG2fyw==',
    },
  ],
  /** decryptGenerateResponse: the operator's answer to the first request above */
  generateResponse: {
    timestamp: 1668056199629,
    envelope:
      'RUlLWcXlSdRhpf82J8iDqeVFbZQx2MCcVaTjhf1gVPpSS3SfOMzfCB8tW8VHzY15b5ZN6FKlZ/3FjHi54H7uyyVp2BS7puWgzGiv5jxhp0hpP2fL1KdmRs8UpX2XgmdEkfeYjTzFHFhq8SfocV2MIK8Gu4QtCtQdMg1Vk9fyeIOwgRUODkHnFZN8rcZIPDdqkZRS6Rftgdizss1FSkInYNpT2Cq07iIHVREmuJdZIinK0qDjIXcXUI3oE8WzdEtd/e4/8xEEZ4HRYuhNF640hX/O+ivBgygW/nqctAr6r9zYu65zs45UYClSUNaWsvE34IWq4q61T99z8etf81lS8E/PWrskOnH968azv0/FVFlLiKks0a1W1iDqq0/pps8LBq/Eo8ByadXQITDFwT6LN9qQE1lW4bGQrY3ZgALZQHsW1eAdaedaYwGOhp81xLlrq9aRaKXdiLuil/lgUNQX51yW8U8izYIq8cue0cUMg/TDV+5YtcC5eZiQskTjMFkInjfDI8k5F5KGnVRfsj8w+mcXv0O9E7djTy6Mmt4OQ1MxDFYuzptf3GnC7GK8VHpxHc84rOZADzBcgVOfYz4x8jA3fPVMkE08fMMpzH8OpH0riQHjk95rAF3KcOss5IvmPsUy+ZgCwOloWH+dwgYy8CDTR3RYPA+zOmEk4bGwvy6hQ5JJwah43ba73IrWZpiANfyCFMr7PY1HFvp7fC+i8w8zLTxMcLgH0m8zXMJXo6IVJDhuQKM/ViSkS/ONatlQvbtFehZfMwzPeD/mDmy1JAcvAAqmiAl13ULdNrIET9zyqmJVEaDEawVckomeIJoznbBS7WEFelcueYcXBi+Tl7qTlPL8UI4AjrzYp/sfMCvCoBtQnFYQAmChmE5OCpnE0X/uCa9oUK7HrVEqgBLft25w4d1mYtMV02gZ0SB/T2MA3BeSEp6RUKrYO63+/8eYUF4pEuQEjDcdRX6rxs9lpPPLKglnn9VteJ61BjsLphwYxqwgdlHZhS6xSvqYveHwwe94QyOYeyiJiEqJ+QooUciWSyRXBfJdcE4inuzO4T/wZauocgw8ZiKJMAfPzXjSLdVNM/sosd0vIhgXvlMpj+a+B4lbsfcVjRGrwU1VPZvHlubVCxJGieW7hQ8ugzpSYibMxxvhFBCyzjKHYodllp/umuq2KmoMdbB2lOsVFtZ3ufYs7cqSTcZIgPFUXlEJs/hUFvTnUCfZ1vC+YNF4d7ngVvCdMYsOCLQNAZeMaVoSG8m/cvY2FT0MGAgLhuu+IGWMcGVYPUrjP6Hy9gpq/wEkRnnfDAo+ENmMQsYcdzg+VNREZ4p4',
    body: {
      advertising_token:
        'AgAAAAN6QZRCFTau+sfOlMMUY2ftElFMq2TCrcu1EAaD9WmEfoT2BWm2ZKz1tumbT00tWLffRDQ/9POXfA0O/Ljszn7FLtG5EzTBM3HYs4f5irkqeEvu38DhVCxUEpI+gZZZkynRap1oYx6AmC/ip3rk+7pmqa3r3saDs1mPRSSTm+Nh6A==',
      user_token:
        'AgAAAAL6aleYI4BubI5ZXMBshqmMEfCkbCJF4fLeg1sdI0BTLzj9sXsSISjkG0lMC743diC2NVy3ElkbO1lLysd+Lm6alkqevPrcuWDisQ1939YdoH6LqpwBH3FNSE4/xa3Q+94=',
      refresh_token:
        'AAAAAARomrP3NjjH+8mt5djfTHbmRZXjOMnAN8WpjJoe30AhUCvYksO/xoDSj77GzWv4M99DhnPl2cVco8CZFTcE10nauXI4Barr890ILnH0IIacOei5Zjwh6DycFkoXkAAuHY1zjmxb7niGLfSP2RctWkZdRVGWQv/UW/grw6+paU9bnKEWPzVvLwwdW2NgjDKu+szE6A+b5hkY+I3voKoaz8/kLDmX8ddJGLy/YOh/LIveBspSAvEg+v89OuUCwAqm8L3Rt8PxDzDnt0U4Na+AUawvvfsIhmsn/zMpRRks6GHhIAB/EQUHID8TedU8Hv1WFRsiraG9Dfn1Kc5/uYnDJhEagWc+7RgTGT+U5GqI6+afrAl5091eBLbmvXnXn9ts',
      identity_expires: 1668059799628,
      refresh_expires: 1668142599628,
      refresh_from: 1668056202628,
      refresh_response_key: 'P941vVeuyjaDRVnFQ8DPd0AZnW4bPeiJPXER2K9QXcU=',
    },
  },
  /** decryptRefreshResponse: the answer to refreshing the identity above, under its refresh_response_key */
  refreshResponse:
    'suJBe05BsUlmulBse8Kuq6haiirs5O8wokoXQz8rxK047Q60vZQrWGy3+ufTwpIKpoMGLFGvVXpE8ifoN4Z34qPrGaJaVuCmcVTbQ8kkou/RwLp+hjoXaaTBmlqVGGbVrBzFg14KMlZLKKEh7EfABSQeUvbi3TtOzbluHZn0jCri3qJEDnSFP4tXhGjJw5ufB4GiSGOzfuw6rvRrWh+FjpNein8ijVNzA4MQAYMGrZEeKd639hCu5Q4tdkuOZKrkLTUPoeKNmt3moyQtKxztpPa/UCDJ/bOpIiLXI+vLScHG0ekhRq/5eQ7nFk3wUd9mlrA3f/+MyqkaPSjIVYvmcpzC55qh0PXLXkOzhIrLUjaIP8UzU30us+pHL2exdUZrrh4w8Pp7MZkdYzEBvc7ZyeXObNzBJNED62T7GI5UxKAndMoSPxsewttZ2MpAepfRQ9RH97eIX+Bg2KJa5WOOLK5KfVS01oKxXbwcCsGpw5sDAIiobrYdWWn9UMUhbFpbuqsmSWW4vFZR02RMHzif8N/vJkBLyvxSAlP363QULrEVMOueG91MI1W9BICYvTM06ZHYt5dz2l1GkKu+OSKAaTLvCJAWsCDgowtJcHtl0kYmZBJn/yfcc3a8SQC1dv2el1l3DWG6J8Udrci6rmOzox0MqIWkBfOqEOHFOPpV8RqYTJVYuKEigYAiAvw7RFA7ZSCwJ3nhc6GUD7XoCK96Y/TrLud3gagxRUz4D+OZUidQP01LeVW9XfBi/UGxQC1WcZ/AS7MF3byjXDJRR6MZRbTm4hkLJm1hQzGsiVNBbBR/qCwoaAI9PwvBKoZpujMzH3+HdUOubCw6sOCWfgO4cwn7TTyQAf9KJ1B6Tj+RNWe3HyImcCpfBMl8suMRh8cZX48r/Z3um4w0bNLog7L1VVA4J6G8EXvpDdkE/78mIdL7dNraZdioF/X/vP7efkDTHTLiJsGq7fZxGqqrFt/ENqhsgpq7punMq8k96sDQ7ujVc4LN0M6qPqIYiC7lT4haXtdugFaKBZp80bbV5ZM1s0VH9nw7SgJUA9RZcxYkU5x77kY+i6fUK45bDC0x0j4lPpC027CgzJhGZffZyvRCPzXYDTa9s40JswKLnKf27HwwYCTJNsnIMRBJlUSnU/JqLvzYFIBSEa2SNsD4qlvdoWqo0bZvpDquqz2mH36w3u7j5L/CoTy7dcjORPdC9/nJN/b+b/G5vjE5bcDtfek3Kc6n6ABjRnXYVstK43ghUeczUHzRwUjdX616pphGliP+bTZHtcfr2DBp2N5vMgxf4bMmhseDlzc=',
  refreshedIdentity: {
    advertising_token:
      'AgAAAANVKWUKoXWL9OdHdxoEhRlHC9BEJucY44HF3RmJHlXzjEJ/nvySkVFeRbo3W/2Mpe9qi4haYz6psljI6ZwUq8n6jPyAR0WK5LDrTxUPibeaV9aZJoa6gNCKfJ/Z8tZtG/iWUbZkkDPmJiF7LTxqB1TQX0UvtLDbDbewsa+b+PJgEw==',
    identity_expires: 1668065878329,
    refresh_expires: 1668148678329,
    refresh_from: 1668062281329,
    refresh_response_key: '3df27Us3KXIy4LhebjNt0DDfF0N5zGXEQ1MmJ7jIU8o=',
  },
};

/** The operator's local test keys (keyset_keys.json): master, refresh, fallback publisher (site 2), site 123 */
export const LOCAL_KEYS = {
  master: { id: 101, keysetId: 1, secret: 'vPdQIoN1nTwXIQoH4/GcHOAct7ymyrGUKXNQhgmq+E8=' },
  refresh: { id: 102, keysetId: 2, secret: 'RgyxkP4yP1gYhCINq7O9PxM6jX+etPqSQluZxjB1aG8=' },
  fallbackPublisher: { id: 103, keysetId: 3, secret: 'c2yMYeezHfDvZ6haknCFaj0t+eAEJp/C/uh+fUAm1fo=' },
  site123: { id: 104, keysetId: 501, secret: 'bVZZOwCuO0fUf2P6CrwaY23erMErVQiMkGgpy2OMSxc=' },
};

/** uid2docs _example-identity-generate-response.mdx: real operator output (CSTG, site 123, local keys) */
export const DOCS_SAMPLE_IDENTITY = {
  advertising_token:
    'A4AAAABlh75XmviGJi-hkLGs96duivRhMd3a3pe7yTIwbAHudfB9wFTj2FtJTdMW5TXXd1KAb-Z3ekQ_KImZ5Mi7xP75jRNeD6Mt6opWwXCCpQxYejP0R6WnCGnWawx9rLu59LsHv6YEA_ARNIUUl9koobfA9pLmnxE3dRedDgCKm4xHXYk01Fr8rOts6iJj2AhYISR3XkyBpqzT-vqBjsHH0g',
  identity_expires: 1724899014352,
  refresh_expires: 1724981814352,
  refresh_from: 1724896314352,
  refresh_response_key: 'TS0H0szacv/F3U8bQjZwjSaZJjxZbMvxqHn1l3TL/iY=',
  refresh_token:
    'AAAAAGYzgUszke2sV9CxXnxyFfUU+KDCJUCXNbj1/FVcCjvR7K07jYaWe44wxM6SOTwG7WQB4XfIcquMqH57iHUnAu1zacYf9g58BtbhKCYWTwrdpB0fSqTANBXOYy+yBnl6tLRwVv32LqRCj76D8meO4tw+MKlUAc2EoFzFNPSfZLpA3Jk4q68vH6VJH/WIuu1tulrVm5J8RZAZnmTlEcsPdjoOC6X4w3aAwiwtbeGw7yOO0immpVoC5KaXnT9olRPTlrt8F9SvebLIcqkYhvRMPpl1S89yeneyGo++RnD9qSHIrfu9To3VwYW018QuvyA15uv4No4BoAzyPuHqzQ8gAs6csWwZ7VwfYD7DSJXlQiIpwzjA2Hl8mgg/5fcXwKEJ',
  /** what the tokens decode to */
  created: 1724895414352,
  established: 1724895414351,
  rawUid: '5ZS4K8EWd+cMAcQsOF4ttBcvenrt1ZiU/st/CaL+AL8=',
  firstLevelHash: 'OR3qyrarTj14fivTZlzpC15dzCcsjMJxcEeWcHk8VHk=',
  /** rotating salt 1000000 of the operator's local salts file */
  rotatingSalt: 'vgv1BwiNRCW7F3VcNXHlZh+7oHJ4G4gCshbGcVOLnss=',
};

/** Cross-SDK v4 token (uid2-client-net/python/java) */
export const CROSS_SDK_V4 = {
  masterKey: { id: 164, secret: 'iyXxrRJcJOilqBcSJsN7XKCIuShbraXdqBCppCaLCJs=' },
  siteKey: { id: 165, secret: 'IPsHwoSa+lbKdGgdg8CL1zCkC0HibqcObDP+fUEYF4U=' },
  siteId: 9000,
  token:
    'AIAAAACkOqJj9VoxXJNnuX3v-ymceRf8_Av0vA5asOj9YBZJc1kV1vHdmb0AIjlzWnFF-gxIlgXqhRFhPo3iXpugPBl3gv4GKnGkw-Zgm2QqMsDPPLpMCYiWrIUqHPm8hQiq9PuTU-Ba9xecRsSIAN0WCwKLwA_EDVdzmnLJu64dQoeYmuu3u1G2EuTkuMrevmP98tJqSUePKwnfK73-0Zdshw',
  expires: 2303254861000,
  created: 1672534861000,
  established: 1672531261000,
  refreshed: 1672534861000,
  rawUid: 'ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=',
};

/**
 * Sharing tokens as UID2's own SharingClient writes them, made by uid2-client-python's token generator (the code its
 * encrypt runs) with the CROSS_SDK_V4 keys, generated and established 2023-01-01, expiring 2042-12-27. Its header byte
 * says phone only for a raw UID whose base64 starts with B or F: a v4 phone raw UID (metadata byte 0xA4) gets an
 * email header, and an EUID raw UID shared by a UID2 sender a UID2 one. Every UID2 SDK decrypts all three.
 */
export const PYTHON_SDK_SHARING_TOKENS = {
  generated: 1672531200000,
  expires: 2303251200000,
  tokens: [
    {
      rawUid: 'pAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g',
      token:
        'A4AAAACk42ZbC7sJRe2xiZKI46AF-betTccjVCCkFoqvcb3OO27X676LhbyAF9TM3PraWPW_EU6UHMzymziMa4_EuiopW7cmh3jYqlY3dZBVaa9Uvew-wUfC2_aQgWc09jm6ebtgG0U4FThBX3Q7GrJgSU2-c6MHtSMR0nBRvgs87-BtbBzd9qjTmo019oLIORqgacmavz9tZE0PywBu_6ATZ2E',
      rawUidType: 'phone',
    },
    {
      rawUid: 'EKCoNGWPYng/whjBIwANJHKvvGlGyzARtDIAk95FlJyb',
      token:
        'A4AAAACkG2fxF40MSHjh4Cs-0vGUxEjS2Hn_vw5OXZAMaSBU7QjXm2GCfk4m2wmqw-riV3pUqQqggm9qD0JRQEEu-j-ym1uL0JbUYNELTgvlyTRhqECJLhvpEoA7lv9dGZZqU5b_Zk98T0YqJ-m5TW42HhJcDNV-xAxZfBnR73GxW9zqSuEFQ9hlvNSEhvC_cYvNmrwZOSGqvtbJzgB8h-48Q3Q',
      rawUidType: 'email',
    },
    {
      rawUid: 'BEOGxroPLdcY7LrSiwjY52+X05V0ryELpJmoWAyXiwbZ',
      token:
        'B4AAAACkyA7RBnSnsWXJEmbGbkOnGcOLLWy2ntrReJBJ8PEhv9vDqgcd54XS8Rhh9hh-OnCL6UVLUxxy4ZiIRCjY1TzIcHH2iy_ynYhfM4ClGQa8YdbTTHyrTAm5zot2smHex6F-2R1WqyL7XGN5Ix9L5tBn4-27P5ekEm4MmNlvIcQwvMRxOCmjlJpthl3C19mJ0x5K-mIkztlP90Ucxj05wM8',
      rawUidType: 'phone',
    },
  ],
} as const;

/** Raw UIDs of the cross-SDK tests (EncryptionTestsV4 and others): v3 raw UIDs start with their scope and type */
export const RAW_UIDS = {
  v2Email: 'oKg0ZY9ieD/CGMEjAA0kcq+8aUbLMBG0MgCT3kWUnJs=',
  v3Uid2Email: 'AKCoNGWPYng/whjBIwANJHKvvGlGyzARtDIAk95FlJyb',
  v3Uid2Phone: 'BEOGxroPLdcY7LrSiwjY52+X05V0ryELpJmoWAyXiwbZ',
  v3EuidEmail: 'EKCoNGWPYng/whjBIwANJHKvvGlGyzARtDIAk95FlJyb',
  /** a v4 raw UID: metadata byte (env prod << 6) | 1 << 5 | (scope UID2 << 4) | (phone << 2) = 0xA4, then 32 bytes */
  v4Uid2Phone: 'pAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g',
};

/** The operator's local CSTG test keypair (client_side_keypairs.json), site 123 */
export const LOCAL_CSTG = {
  subscriptionId: '4WvryDGbR5',
  siteId: 123,
  publicKey:
    'UID2-X-L-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtXJdTSZAYHvoRDWiehMHoWF1BNPuqLs5w2ZHiAZ1IJc7O4/z0ojPTB0V+KYX/wxQK0hxx6kxCvHj335eI/ZQsQ==',
  privateKey: 'UID2-Y-L-MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCC5kOSRVD+qhAZqf0L4LGbmAhdy5HpIptwXE72jxhwo6w==',
};

export function hexBytes(hex: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
