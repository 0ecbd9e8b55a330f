/** The header lines exactly as issue 13 quotes the platforms. */
export const headers = {
  shopifyTemplate:
    'First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Tags,Note,Tax Exempt',
  shopifyExport:
    'Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags',
  shopifyLegacy:
    'First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt',
  woocommerce:
    'customer_id,first_name,last_name,email,date_registered,billing_first_name,billing_last_name,billing_company,billing_email,billing_phone,billing_address_1,billing_address_2,billing_postcode,billing_city,billing_state,billing_country,shipping_first_name,shipping_last_name,shipping_company,shipping_address_1,shipping_address_2,shipping_postcode,shipping_city,shipping_state,shipping_country',
  matrixify:
    'ID,Email,Command,First Name,Last Name,Phone,State,Language,Note,Tags,Tax Exempt,Email Marketing: Status,Address ID,Address First Name,Address Last Name,Address Phone,Address Company,Address Line 1,Address Line 2,Address City,Address Province,Address Province Code,Address Country,Address Country Code,Address Zip,Address Is Default,Total Spent,Total Orders,Created At,Updated At',
};
